import Foundation
import TFLiteModel
import Train

/// Turns a calibrated `LoweredGraph` into a full-integer int8 TFLite model following TFLite's
/// quantization spec (https://www.tensorflow.org/lite/performance/quantization_spec):
/// int8 activations with asymmetric per-tensor ranges; conv and fully-connected weights symmetric
/// per output channel (axis 0, zero point 0, [−127, 127]); int32 biases with scale
/// s_in · s_w[c]; an unfoldable BatchNorm as a 1x1 DEPTHWISE_CONV_2D (per-channel weight, int32 bias)
/// or as MUL/ADD by per-tensor asymmetric int8 vectors (`BatchNormExport`); max-pool and
/// reshape outputs keep their input's parameters; softmax output scale 1/256, zero point −128.
/// Operator versions are those TensorFlow's converter wrote for the reference model.
public struct TFLiteExporter {
    public var graph: LoweredGraph
    /// Observed ranges from `FloatRunner` (index 0 = input, k + 1 = op k's output).
    public var ranges: [(min: Float, max: Float)]
    public var labels: [String]
    /// Fraction of the face box added on each side before resizing (Recognize metadata).
    public var cropMargin: Float
    public var description: String

    public init(graph: LoweredGraph, ranges: [(min: Float, max: Float)], labels: [String], cropMargin: Float = 0,
                description: String = "EdgeFER int8 export") {
        precondition(ranges.count == graph.ops.count + 1, "one range per tensor")
        (self.graph, self.ranges, self.labels, self.cropMargin, self.description) = (graph, ranges, labels, cropMargin, description)
    }

    /// The quantization of every activation tensor (index as in `ranges`), after TFLite's rules.
    public var activationParams: [AffineParams] {
        var params: [AffineParams] = []
        // The input holds images in [0, 1] (gray / 255) whatever the calibration set spans: scale 1/255,
        // zero point -128, so a quantized input byte is pixel - 128.
        params.append(.asymmetric(min: 0, max: 1))
        for (k, op) in graph.ops.enumerated() {
            switch op {
            case .maxPool, .reshape: params.append(params[k])
            case .softmax: params.append(AffineParams(scale: 1.0 / 256, zeroPoint: -128))
            default: params.append(.asymmetric(min: ranges[k + 1].min, max: ranges[k + 1].max))
            }
        }
        return params
    }

    /// Builds the TFLite model (labels and preprocessing attached as EdgeFER metadata).
    public func makeModel() -> TFLiteModel.Model {
        var b = GraphBuilder()
        let params = activationParams
        func shape(_ s: Shape3) -> [Int32] {
            s.height == 1 && s.width == 1 ? [1, Int32(s.channels)] : [1, Int32(s.height), Int32(s.width), Int32(s.channels)]
        }
        let input = graph.input
        var current = b.activation(name: "input", shape: [1, Int32(input.height), Int32(input.width), Int32(input.channels)],
                                   params: params[0])
        let inputTensor = current
        for (k, op) in graph.ops.enumerated() {
            let name = graph.names[k]
            let inShape = graph.inputShape(of: k), outShape = graph.shapes[k]
            let out = b.activation(name: name, shape: shape(outShape), params: params[k + 1])
            switch op {
            case .conv(let kernel, let bias, let size, let relu):
                let cin = inShape.channels, cout = outShape.channels
                // Keras (kh, kw, cin, cout) -> TFLite OHWI (cout, kh, kw, cin).
                var ohwi = [Float](repeating: 0, count: kernel.count)
                for j in 0..<size * size * cin {
                    for c in 0..<cout { ohwi[c * size * size * cin + j] = kernel[j * cout + c] }
                }
                let w = ChannelQuantizedWeights(outerChannelWeights: ohwi, channels: cout)
                let q = quantizeBias(bias, inputScale: params[k].scale, weightScales: w.scales)
                let wt = b.constant(name: name + "/kernel", shape: [Int32(cout), Int32(size), Int32(size), Int32(cin)],
                                    type: .int8, bytes: w.values.map { UInt8(bitPattern: $0) },
                                    quantization: Quantization(scale: w.scales, zeroPoint: Array(repeating: 0, count: cout)))
                let bt = b.constant(name: name + "/bias", shape: [Int32(cout)], type: .int32, bytes: littleEndian(q.values),
                                    quantization: Quantization(scale: q.scales, zeroPoint: Array(repeating: 0, count: cout)))
                b.op(.conv2D, version: 3, inputs: [current, wt, bt], output: out,
                     options: .conv2D(Conv2DOptions(padding: .same, strideW: 1, strideH: 1, activation: relu ? .relu : .none)))
            case .mul(let values), .add(let values):
                let lo = values.min() ?? 0, hi = values.max() ?? 0
                let p = AffineParams.asymmetric(min: lo, max: hi)
                let isMul: Bool
                if case .mul = op { isMul = true } else { isMul = false }
                let ct = b.constant(name: name + (isMul ? "/multiplier" : "/offset"), shape: [Int32(values.count)], type: .int8,
                                    bytes: values.map { UInt8(bitPattern: p.quantize($0)) },
                                    quantization: Quantization(scale: [p.scale], zeroPoint: [Int64(p.zeroPoint)]))
                if isMul {
                    b.op(.mul, version: 2, inputs: [current, ct], output: out, options: .mul(activation: .none))
                } else {
                    b.op(.add, version: 2, inputs: [current, ct], output: out, options: .add(activation: .none))
                }
            case .scaleShift(let m, let a):
                let c = m.count
                let q = scaleShiftWeights(multiplier: m, offset: a, inputScale: params[k].scale)
                let wt = b.constant(name: name + "/multiplier", shape: [1, 1, 1, Int32(c)], type: .int8,
                                    bytes: q.weights.map { UInt8(bitPattern: $0) },
                                    quantization: Quantization(scale: q.weightScales, zeroPoint: Array(repeating: 0, count: c),
                                                               quantizedDimension: 3))
                let bt = b.constant(name: name + "/offset", shape: [Int32(c)], type: .int32, bytes: littleEndian(q.bias),
                                    quantization: Quantization(scale: q.biasScales, zeroPoint: Array(repeating: 0, count: c)))
                b.op(.depthwiseConv2D, version: 3, inputs: [current, wt, bt], output: out,
                     options: .depthwiseConv2D(DepthwiseConv2DOptions(padding: .valid, depthMultiplier: 1)))
            case .maxPool(let size):
                let s = Int32(size)
                b.op(.maxPool2D, version: 2, inputs: [current], output: out,
                     options: .pool2D(Pool2DOptions(padding: .valid, strideW: s, strideH: s, filterWidth: s, filterHeight: s)))
            case .reshape:
                let st = b.constant(name: name + "/shape", shape: [2], type: .int32, bytes: littleEndian([-1, Int32(outShape.count)]),
                                    quantization: nil)
                b.op(.reshape, version: 1, inputs: [current, st], output: out, options: .reshape(newShape: nil))
            case .dense(let kernel, let bias, let relu):
                let nIn = inShape.count, nOut = outShape.count
                var oi = [Float](repeating: 0, count: kernel.count)  // Keras (in, out) -> TFLite (out, in)
                for i in 0..<nIn { for o in 0..<nOut { oi[o * nIn + i] = kernel[i * nOut + o] } }
                let w = ChannelQuantizedWeights(outerChannelWeights: oi, channels: nOut)
                let q = quantizeBias(bias, inputScale: params[k].scale, weightScales: w.scales)
                let wt = b.constant(name: name + "/kernel", shape: [Int32(nOut), Int32(nIn)], type: .int8,
                                    bytes: w.values.map { UInt8(bitPattern: $0) },
                                    quantization: Quantization(scale: w.scales, zeroPoint: Array(repeating: 0, count: nOut)))
                let bt = b.constant(name: name + "/bias", shape: [Int32(nOut)], type: .int32, bytes: littleEndian(q.values),
                                    quantization: Quantization(scale: q.scales, zeroPoint: Array(repeating: 0, count: nOut)))
                b.op(.fullyConnected, version: 4, inputs: [current, wt, bt], output: out,
                     options: .fullyConnected(FullyConnectedOptions(activation: relu ? .relu : .none)))
            case .softmax:
                b.op(.softmax, version: 2, inputs: [current], output: out, options: .softmax(beta: 1))
            }
            current = out
        }
        var model = b.model(inputs: [inputTensor], outputs: [current], description: description)
        let p0 = params[0]
        RecognitionMetadata(
            labels: labels,
            preprocess: .init(inputWidth: input.width, inputHeight: input.height, inputScale: p0.scale,
                              inputZeroPoint: p0.zeroPoint, pixelScale: 1.0 / 255, cropMargin: cropMargin)
        ).attach(to: &model)
        return model
    }
}

/// Accumulates tensors, buffers, operator codes and operators of one subgraph.
private struct GraphBuilder {
    var tensors: [Tensor] = []
    var buffers: [TFLiteModel.Buffer] = [TFLiteModel.Buffer()]  // buffer 0: empty, by convention
    var codes: [OperatorCode] = []
    var operators: [Operator] = []

    mutating func activation(name: String, shape: [Int32], params: AffineParams) -> Int32 {
        tensors.append(Tensor(shape: shape, type: .int8, name: name,
                              quantization: Quantization(scale: [params.scale], zeroPoint: [Int64(params.zeroPoint)])))
        return Int32(tensors.count - 1)
    }

    mutating func constant(name: String, shape: [Int32], type: TensorType, bytes: [UInt8], quantization: Quantization?) -> Int32 {
        buffers.append(TFLiteModel.Buffer(data: bytes))
        tensors.append(Tensor(shape: shape, type: type, buffer: UInt32(buffers.count - 1), name: name, quantization: quantization))
        return Int32(tensors.count - 1)
    }

    mutating func op(_ code: BuiltinOperator, version: Int32, inputs: [Int32], output: Int32, options: BuiltinOptions) {
        let index: Int
        if let i = codes.firstIndex(where: { $0.op == code }) { index = i } else {
            codes.append(OperatorCode(code, version: version))
            index = codes.count - 1
        }
        operators.append(Operator(opcodeIndex: UInt32(index), inputs: inputs, outputs: [output], options: options))
    }

    func model(inputs: [Int32], outputs: [Int32], description: String) -> TFLiteModel.Model {
        TFLiteModel.Model(operatorCodes: codes,
                          subgraphs: [SubGraph(tensors: tensors, inputs: inputs, outputs: outputs, operators: operators, name: "main")],
                          description: description, buffers: buffers)
    }
}

/// Per-channel weights and int32 bias of a 1x1 depthwise scale-and-shift. Each channel's one weight
/// is ±127 at scale |m|/127 (exact), unless the offset would then overflow the int32 bias (a channel
/// whose multiplier is ~0 next to its offset): the scale is raised so |bias| ≤ 2^30 and the weight
/// rounds toward 0, which is what such a channel's output is anyway.
func scaleShiftWeights(multiplier m: [Float], offset a: [Float], inputScale: Float)
    -> (weights: [Int8], weightScales: [Float], bias: [Int32], biasScales: [Float]) {
    var weights = [Int8](repeating: 0, count: m.count), scales = [Float](repeating: 1, count: m.count)
    for c in m.indices {
        let floor = abs(a[c]) / (inputScale * Float(1 << 30))
        let scale = max(abs(m[c]) / 127, floor)
        scales[c] = scale > 0 ? scale : 1
        weights[c] = Int8(max(-127, min(127, (m[c] / scales[c]).rounded(.toNearestOrAwayFromZero))))
    }
    let bias = quantizeBias(a, inputScale: inputScale, weightScales: scales)
    return (weights, scales, bias.values, bias.scales)
}

private func littleEndian(_ values: [Int32]) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(values.count * 4)
    for v in values {
        let u = UInt32(bitPattern: v)
        out += [UInt8(u & 0xFF), UInt8((u >> 8) & 0xFF), UInt8((u >> 16) & 0xFF), UInt8(u >> 24)]
    }
    return out
}
