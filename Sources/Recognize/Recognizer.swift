import Imaging
import Inference
import QuantMath
import TFLiteModel

/// Why faces could not be classified.
public enum RecognizeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The model's input or output does not suit face classification (and why).
    case unsuitableModel(String)
    /// Metadata disagrees with the model's tensors.
    case inconsistentMetadata(String)
    /// A face box has no overlap with the frame.
    case emptyCrop(Rect)

    public var description: String {
        switch self {
        case .unsuitableModel(let why): return "model unsuitable for face classification: \(why)"
        case .inconsistentMetadata(let why): return "model metadata inconsistent: \(why)"
        case .emptyCrop(let rect): return "face box \(rect) lies outside the frame"
        }
    }
}

/// One face's result: probabilities for every class, in the model's class order.
public struct FacePrediction: Sendable, Equatable {
    public var box: Rect
    public var probabilities: [Float]
    /// Index of the most probable class (the first on ties).
    public var best: Int { probabilities.indices.max { probabilities[$0] < probabilities[$1] || (probabilities[$0] == probabilities[$1] && $0 > $1) } ?? 0 }
}

/// Classifies faces in gray frames with an int8 TFLite model: crop each face with a margin
/// (clamped to the frame), resize bilinearly to the model's input, quantize with the input
/// tensor's scale and zero point, run all faces of a frame as one batch, and dequantize the
/// output. Labels and preprocessing come from the model's metadata (`RecognitionMetadata`).
public final class Recognizer {
    public let labels: [String]
    public let inputWidth: Int
    public let inputHeight: Int
    public let cropMargin: Float
    public let pixelScale: Float
    public var maxBatch: Int { interpreter.maxBatch }
    public let interpreter: Interpreter

    private let channels: Int
    private let classes: Int
    private let inputIsFloat: Bool
    private let inputScale: Float
    private let inputZeroPoint: Int32
    private let outputIsFloat: Bool
    private let outputScale: Float
    private let outputZeroPoint: Int32

    /// `fast` chooses the C kernels and their threads (nil: reference kernels only).
    public init(model: Model, maxBatch: Int = 8, fast: FastOptions? = FastOptions()) throws {
        interpreter = try Interpreter(model: model, maxBatch: maxBatch, fast: fast)
        guard interpreter.inputs.count == 1, interpreter.outputs.count == 1 else {
            throw RecognizeError.unsuitableModel("needs one input and one output")
        }
        let input = interpreter.inputs[0], output = interpreter.outputs[0]
        guard input.shape.count == 4, input.shape[0] == 1, input.shape[3] == 1 || input.shape[3] == 3 else {
            throw RecognizeError.unsuitableModel("input shape \(input.shape), expected [1, H, W, 1 or 3]")
        }
        (inputHeight, inputWidth, channels) = (input.shape[1], input.shape[2], input.shape[3])
        switch input.type {
        case .int8:
            guard let s = input.scale, let zp = input.zeroPoint else { throw RecognizeError.unsuitableModel("int8 input is not quantized") }
            (inputIsFloat, inputScale, inputZeroPoint) = (false, s, zp)
        case .float32:
            (inputIsFloat, inputScale, inputZeroPoint) = (true, 1, 0)
        default:
            throw RecognizeError.unsuitableModel("input type \(input.type), expected int8 or float32")
        }
        classes = output.shape.reduce(1, *)
        guard classes > 0 else { throw RecognizeError.unsuitableModel("empty output") }
        switch output.type {
        case .int8:
            guard let s = output.scale, let zp = output.zeroPoint else { throw RecognizeError.unsuitableModel("int8 output is not quantized") }
            (outputIsFloat, outputScale, outputZeroPoint) = (false, s, zp)
        case .float32:
            (outputIsFloat, outputScale, outputZeroPoint) = (true, 1, 0)
        default:
            throw RecognizeError.unsuitableModel("output type \(output.type), expected int8 or float32")
        }

        let metadata = try RecognitionMetadata(model: model)
        if let names = metadata.labels {
            guard names.count == classes else {
                throw RecognizeError.inconsistentMetadata("\(names.count) labels for \(classes) outputs")
            }
            labels = names
        } else {
            labels = (0..<classes).map(String.init)
        }
        if let p = metadata.preprocess {
            guard p.inputWidth == inputWidth, p.inputHeight == inputHeight else {
                throw RecognizeError.inconsistentMetadata("preprocess size \(p.inputWidth)x\(p.inputHeight), input tensor \(inputWidth)x\(inputHeight)")
            }
            if !inputIsFloat {
                guard p.inputScale == inputScale, Int32(clamping: p.inputZeroPoint) == inputZeroPoint else {
                    throw RecognizeError.inconsistentMetadata("preprocess scale/zero point \(p.inputScale)/\(p.inputZeroPoint), input tensor \(inputScale)/\(inputZeroPoint)")
                }
            }
            (pixelScale, cropMargin) = (p.pixelScale, p.cropMargin)
        } else {
            (pixelScale, cropMargin) = (1.0 / 255, 0)
        }
    }

    public convenience init(bytes: [UInt8], maxBatch: Int = 8, fast: FastOptions? = FastOptions()) throws {
        try self.init(model: Model(bytes: bytes), maxBatch: maxBatch, fast: fast)
    }

    /// The face box grown by `cropMargin` of its size on each side, clamped to the frame.
    public func cropRect(for face: Rect, frameWidth: Int, frameHeight: Int) -> Rect {
        let dx = Int((Float(face.width) * cropMargin).rounded()), dy = Int((Float(face.height) * cropMargin).rounded())
        return Rect(x: face.x - dx, y: face.y - dy, width: face.width + 2 * dx, height: face.height + 2 * dy)
            .clamped(toWidth: frameWidth, height: frameHeight)
    }

    /// Number of classes (outputs per face).
    public var classCount: Int { classes }

    /// Probabilities for every face, run in batches of at most `maxBatch`.
    public func classify(_ image: GrayImage, faces: [Rect]) throws -> [FacePrediction] {
        var all = [Float](repeating: 0, count: faces.count * classes)
        try all.withUnsafeMutableBufferPointer { try classify(image, faces: faces, probabilities: $0) }
        return faces.indices.map { FacePrediction(box: faces[$0], probabilities: Array(all[$0 * classes..<($0 + 1) * classes])) }
    }

    /// Like `classify(_:faces:)` without allocating: writes `faces.count · classCount`
    /// probabilities, face after face, into `probabilities`.
    public func classify(_ image: GrayImage, faces: [Rect], probabilities: UnsafeMutableBufferPointer<Float>) throws {
        precondition(probabilities.count >= faces.count * classes, "probability buffer too small")
        var start = 0
        while start < faces.count {
            let n = min(faces.count - start, maxBatch)
            for k in 0..<n { try writeInput(image, face: faces[start + k], sample: k) }
            try interpreter.invoke(batch: n)
            for k in 0..<n {
                for c in 0..<classes { probabilities[(start + k) * classes + c] = probability(sample: k, class: c) }
            }
            start += n
        }
    }

    /// The model's input for one face, as `classify` builds it (for tests and debugging).
    public func preparedInput(_ image: GrayImage, face: Rect) throws -> [UInt8] {
        try writeInput(image, face: face, sample: 0)
        return Array(interpreter.inputBuffer(0).prefix(interpreter.inputs[0].bytesPerSample))
    }

    // MARK: internals

    private func probability(sample: Int, class c: Int) -> Float {
        let out = interpreter.outputBuffer(0)
        if outputIsFloat { return out.loadUnaligned(fromByteOffset: (sample * classes + c) * 4, as: Float.self) }
        let q = Int8(bitPattern: out[sample * classes + c])
        return outputScale * Float(Int32(q) - outputZeroPoint)
    }

    /// Bilinear resize of the crop straight into the interpreter's input, with half-pixel
    /// centres (OpenCV INTER_LINEAR, TF half_pixel_centers), then quantization.
    private func writeInput(_ image: GrayImage, face: Rect, sample: Int) throws {
        let crop = cropRect(for: face, frameWidth: image.width, frameHeight: image.height)
        guard crop.width > 0, crop.height > 0 else { throw RecognizeError.emptyCrop(face) }
        let buffer = interpreter.inputBuffer(0)
        let base = sample * interpreter.inputs[0].bytesPerSample
        let sx = Float(crop.width) / Float(inputWidth), sy = Float(crop.height) / Float(inputHeight)
        image.pixels.withUnsafeBufferPointer { pixels in
            for oy in 0..<inputHeight {
                let fy = min(max((Float(oy) + 0.5) * sy - 0.5, 0), Float(crop.height - 1))
                let y0 = Int(fy), y1 = min(y0 + 1, crop.height - 1)
                let wy = fy - Float(y0)
                let row0 = (crop.y + y0) * image.width + crop.x, row1 = (crop.y + y1) * image.width + crop.x
                for ox in 0..<inputWidth {
                    let fx = min(max((Float(ox) + 0.5) * sx - 0.5, 0), Float(crop.width - 1))
                    let x0 = Int(fx), x1 = min(x0 + 1, crop.width - 1)
                    let wx = fx - Float(x0)
                    let top = Float(pixels[row0 + x0]) * (1 - wx) + Float(pixels[row0 + x1]) * wx
                    let bottom = Float(pixels[row1 + x0]) * (1 - wx) + Float(pixels[row1 + x1]) * wx
                    let real = (top * (1 - wy) + bottom * wy) * pixelScale
                    let index = (oy * inputWidth + ox) * channels
                    for c in 0..<channels {
                        if inputIsFloat {
                            buffer.storeBytes(of: real, toByteOffset: base + (index + c) * 4, as: Float.self)
                        } else {
                            let q = clampToInt8(roundToInt32(real / inputScale) &+ inputZeroPoint)
                            buffer[base + index + c] = UInt8(bitPattern: q)
                        }
                    }
                }
            }
        }
    }
}
