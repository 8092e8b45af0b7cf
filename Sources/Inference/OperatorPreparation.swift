import QuantMath
import TFLiteModel

/// Checks one operator's tensors and options against what its kernel supports and computes
/// its parameters (TFLite's Prepare step: multipliers, padding, activation clamps).
struct OperatorContext {
    let model: Model
    let index: Int
    let name: String
    let op: Operator
    let graph: SubGraph
    let slots: [TensorSlot]
    let fail: (String) -> InferenceError

    // MARK: tensor accessors

    func input(_ k: Int) throws -> Int {
        guard k < op.inputs.count, op.inputs[k] >= 0 else { throw fail("missing input \(k)") }
        return Int(op.inputs[k])
    }

    func optionalInput(_ k: Int) -> Int? {
        k < op.inputs.count && op.inputs[k] >= 0 ? Int(op.inputs[k]) : nil
    }

    var output: Int { Int(op.outputs[0]) }

    func shape(_ t: Int) -> [Int] { graph.tensors[t].shape.map(Int.init) }

    func count(_ t: Int) -> Int { graph.tensors[t].elementCount ?? 0 }

    func isConstant(_ t: Int) -> Bool { slots[t].isConstant }

    func expectType(_ t: Int, _ type: TensorType, _ role: String) throws {
        guard graph.tensors[t].type == type else { throw fail("\(role) is \(graph.tensors[t].type), expected \(type)") }
    }

    func expectActivation(_ t: Int, _ role: String) throws {
        guard !isConstant(t) else { throw fail("\(role) must not be a constant") }
    }

    /// Per-tensor int8 quantization of an activation: one positive finite scale, zero point in int8.
    func int8Quantization(_ t: Int, _ role: String) throws -> (scale: Float, zeroPoint: Int32) {
        try expectType(t, .int8, role)
        guard let q = graph.tensors[t].quantization, q.scale.count == 1, q.zeroPoint.count == 1 else {
            throw fail("\(role) must have one scale and zero point")
        }
        return try checkedQuantization(q.scale[0], q.zeroPoint[0], role)
    }

    func checkedQuantization(_ scale: Float, _ zeroPoint: Int64, _ role: String) throws -> (scale: Float, zeroPoint: Int32) {
        guard scale.isFinite, scale > 0 else { throw fail("\(role) scale \(scale) is not positive and finite") }
        guard zeroPoint >= -128 && zeroPoint <= 127 else { throw fail("\(role) zero point \(zeroPoint) outside int8") }
        return (scale, Int32(zeroPoint))
    }

    /// Per-channel (or per-tensor) symmetric int8 weight scales, one per output channel.
    func weightScales(_ t: Int, channels: Int, axis: Int) throws -> [Float] {
        try expectType(t, .int8, "weights")
        guard isConstant(t) else { throw fail("weights must be constant") }
        guard let q = graph.tensors[t].quantization, !q.scale.isEmpty else { throw fail("weights are not quantized") }
        guard q.zeroPoint.allSatisfy({ $0 == 0 }) else { throw fail("weights must be symmetric (zero point 0)") }
        for s in q.scale where !(s.isFinite && s > 0) { throw fail("weight scale \(s) is not positive and finite") }
        if q.scale.count == 1 { return Array(repeating: q.scale[0], count: channels) }
        guard q.scale.count == channels, Int(q.quantizedDimension) == axis else {
            throw fail("weights have \(q.scale.count) scales on axis \(q.quantizedDimension), expected \(channels) on axis \(axis)")
        }
        return q.scale
    }

    func bias(_ k: Int, channels: Int) throws -> Int? {
        guard let b = optionalInput(k) else { return nil }
        try expectType(b, .int32, "bias")
        guard isConstant(b), count(b) == channels else { throw fail("bias must be a constant of \(channels) int32") }
        return b
    }

    /// Constant int32 (or int64) data, e.g. axes, paddings, shapes.
    func constantIntegers(_ t: Int, _ role: String) throws -> [Int] {
        guard isConstant(t) else { throw fail("\(role) must be a constant") }
        let tensor = graph.tensors[t]
        // The interpreter copies the buffer; read it from the model here.
        return try constantBytes(t).withUnsafeBytes { raw in
            switch tensor.type {
            case .int32: return (0..<count(t)).map { Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self))) }
            case .int64: return (0..<count(t)).map { Int(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self))) }
            default: throw fail("\(role) is \(tensor.type), expected int32")
            }
        }
    }

    func constantBytes(_ t: Int) -> [UInt8] { model.buffers[Int(graph.tensors[t].buffer)].data }

    /// TFLite's CalculateActivationRangeQuantized for int8 outputs (kernel_util.cc): the fused
    /// activation's real bounds quantized with float32 division, rounded half away from zero.
    func activationRange(_ activation: ActivationFunction, scale: Float, zeroPoint: Int32) throws -> (Int32, Int32) {
        func q(_ real: Float) -> Int32 { zeroPoint &+ roundToInt32(real / scale) }
        switch activation {
        case .none: return (-128, 127)
        case .relu: return (max(-128, q(0)), 127)
        case .relu6: return (max(-128, q(0)), min(127, q(6)))
        case .reluN1To1: return (max(-128, q(-1)), min(127, q(1)))
        case .tanh, .signBit: throw fail("fused activation \(activation) is not supported")
        }
    }

    // MARK: dispatch

    mutating func prepare(_ code: BuiltinOperator) throws -> PreparedOperator {
        switch code {
        case .conv2D: return try prepareConv(depthwise: false)
        case .depthwiseConv2D: return try prepareConv(depthwise: true)
        case .fullyConnected: return try prepareFullyConnected()
        case .maxPool2D, .averagePool2D: return try preparePool(max: code == .maxPool2D)
        case .mean: return try prepareMean()
        case .add, .mul: return try prepareBinary(add: code == .add)
        case .softmax: return try prepareSoftmax()
        case .quantize, .dequantize: return try prepareConversion(quantize: code == .quantize)
        case .reshape: return try prepareReshape()
        case .pad: return try preparePad()
        case .concatenation: return try prepareConcatenation()
        default: throw fail("not supported")
        }
    }
}
