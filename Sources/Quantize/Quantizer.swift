import Foundation
import Inference
import TFLiteModel
import Train

/// A trained model exported as int8 TFLite, with what calibration observed.
public struct QuantizedExport: Sendable {
    public var graph: LoweredGraph
    /// Observed float ranges (index 0 = input, k + 1 = op k's output).
    public var ranges: [(min: Float, max: Float)]
    public var model: TFLiteModel.Model
    /// The `.tflite` file bytes.
    public var bytes: [UInt8]
}

/// Post-training full-integer quantization: lower the float model, calibrate activation ranges on
/// images, quantize and serialize.
public enum Quantizer {
    /// Exports `model`. `calibration` holds `count` images of the model's input shape with values in
    /// [0, 1] (validation images, unaugmented). `labels` name the output classes in order. The defaults
    /// (depthwise BatchNorm, mse ranges) are what ships; `.mulAdd` and `.minMax` give the converter's.
    public static func export(_ model: Train.Model, calibration: UnsafeBufferPointer<Float>, count: Int, labels: [String],
                              cropMargin: Float = 0, batchNorm: BatchNormExport = .depthwise,
                              ranges method: CalibrationMethod = .mse,
                              description: String = "EdgeFER int8 export") throws(QuantizeError) -> QuantizedExport {
        let graph = try LoweredGraph(model: model, batchNorm: batchNorm)
        let side = graph.input.count
        guard count > 0, calibration.count == count * side else {
            throw .badCalibration(expected: "\(max(count, 1)) x \(graph.input) values", found: "\(calibration.count) values")
        }
        guard labels.count == graph.outputShape.count else {
            throw .badCalibration(expected: "\(graph.outputShape.count) labels", found: "\(labels.count)")
        }
        let ranges = calibratedRanges(graph, calibration: calibration, count: count, method: method)
        let exporter = TFLiteExporter(graph: graph, ranges: ranges, labels: labels, cropMargin: cropMargin,
                                      description: description)
        let tflite = exporter.makeModel()
        return QuantizedExport(graph: graph, ranges: ranges, model: tflite, bytes: tflite.serialized())
    }
}

extension Quantizer {
    /// Activation ranges of `graph` observed on `count` images (index 0 = input, k + 1 = op k's output).
    static func calibratedRanges(_ graph: LoweredGraph, calibration: UnsafeBufferPointer<Float>, count: Int,
                                 method: CalibrationMethod) -> [(min: Float, max: Float)] {
        let side = graph.input.count
        let runner = FloatRunner(graph: graph)
        for i in 0..<count { runner.run(UnsafeBufferPointer(rebasing: calibration[i * side..<(i + 1) * side])) }
        var ranges = runner.ranges
        if method != .minMax {
            // A second pass bins every value inside the first pass's ranges.
            runner.startHistograms()
            for i in 0..<count { runner.run(UnsafeBufferPointer(rebasing: calibration[i * side..<(i + 1) * side])) }
            for t in 1..<ranges.count {
                // Softmax inputs keep min/max: clipping the logits' top can tie two classes at the clip.
                if t < graph.ops.count, case .softmax = graph.ops[t] { continue }
                ranges[t] = runner.histograms[t].range(method)
            }
        }
        return ranges
    }

    /// For quantization-aware training: the int8 grid of every trainer layer output that the export
    /// rounds (layer index → grid), calibrated on `count` images as `export` calibrates. Outputs the
    /// export has no tensor for (a conv whose BN is folded, logits fused with softmax) and softmax
    /// probabilities are left out.
    public static func activationGrids(_ model: Train.Model, calibration: UnsafeBufferPointer<Float>, count: Int,
                                       batchNorm: BatchNormExport = .depthwise,
                                       ranges method: CalibrationMethod = .mse) throws(QuantizeError) -> [Int: ActivationGrid] {
        let graph = try LoweredGraph(model: model, batchNorm: batchNorm)
        guard count > 0, calibration.count == count * graph.input.count else {
            throw .badCalibration(expected: "\(max(count, 1)) x \(graph.input) values", found: "\(calibration.count) values")
        }
        let ranges = calibratedRanges(graph, calibration: calibration, count: count, method: method)
        let params = TFLiteExporter(graph: graph, ranges: ranges, labels: []).activationParams
        var grids: [Int: ActivationGrid] = [:]
        for (k, op) in graph.ops.enumerated() where graph.layerIndices[k] >= 0 {
            if case .softmax = op { continue }
            grids[graph.layerIndices[k]] = ActivationGrid(scale: params[k + 1].scale, zeroPoint: params[k + 1].zeroPoint)
        }
        return grids
    }
}

/// Runs an int8 TFLite classifier on float images in [0, 1] with our engine, in batches.
public final class Int8Classifier {
    public let interpreter: Interpreter
    public let inputCount: Int
    public let classes: Int
    private let scale: Float
    private let zeroPoint: Int

    public init(bytes: [UInt8], maxBatch: Int = 16) throws {
        interpreter = try Interpreter(bytes: bytes, maxBatch: maxBatch)
        let input = interpreter.inputs[0], output = interpreter.outputs[0]
        guard input.type == .int8, let s = input.scale, let zp = input.zeroPoint, output.type == .int8,
              output.scale != nil, output.zeroPoint != nil else {
            throw QuantizeError.invalidExport("expected a quantized int8 input and output")
        }
        inputCount = input.shape.dropFirst().reduce(1, *)
        classes = output.shape.dropFirst().reduce(1, *)
        scale = s
        zeroPoint = Int(zp)
    }

    /// Dequantized outputs (class probabilities) for `count` images.
    public func scores(_ images: UnsafeBufferPointer<Float>, count: Int) throws -> [Float] {
        precondition(images.count == count * inputCount, "images must be count x input values")
        var result = [Float](repeating: 0, count: count * classes)
        let output = interpreter.outputs[0]
        var start = 0
        while start < count {
            let n = min(interpreter.maxBatch, count - start)
            let inBuf = interpreter.inputBuffer(0).bindMemory(to: Int8.self)
            for j in 0..<n * inputCount {
                let q = (images[start * inputCount + j] / scale).rounded(.toNearestOrAwayFromZero) + Float(zeroPoint)
                inBuf[j] = Int8(max(-128, min(127, q)))
            }
            try interpreter.invoke(batch: n)
            let out = interpreter.outputBuffer(0)
            let outScale = output.scale!, outZero = Int(output.zeroPoint!)
            for j in 0..<n * classes {
                result[start * classes + j] = outScale * Float(Int(Int8(bitPattern: out[j])) - outZero)
            }
            start += n
        }
        return result
    }
}
