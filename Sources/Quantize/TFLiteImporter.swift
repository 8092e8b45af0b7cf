import TFLiteModel
import Train

/// Reads an int8 TFLite model written by `fer export` back into a float `Train.Model` of the spec it
/// was exported from (weights and biases dequantized), so training can go on from a shipped model
/// when its checkpoint is gone (checkpoints are not kept in git).
///
/// It inverts `LoweredGraph` operator by operator: a conv or dense (ReLU fused), a BatchNorm after
/// ReLU as a 1x1 DEPTHWISE_CONV_2D, max-pool, reshape, softmax. A BatchNorm that was folded into
/// the conv before it comes back as the identity. The BN layers' moving statistics are then
/// provisional: call `Model.remeasureBatchNormStatistics` on training images before training.
public enum TFLiteImporter {
    /// The float model of `spec` holding `bytes`' weights; `path` names the file in errors.
    public static func model(bytes: [UInt8], spec: ModelSpec, path: String) throws(QuantizeError) -> Train.Model {
        let file: TFLiteModel.Model
        do { file = try TFLiteModel.Model(bytes: bytes) } catch { throw .importFailed(path: path, reason: "\(error)") }
        let model: Train.Model
        do { model = try Train.Model(spec: spec, seed: 0, threads: 1) } catch {
            throw .importFailed(path: path, reason: "model spec: \(error.description)")
        }
        var reader = OperatorWalk(file: file, path: path)
        let layers = model.layers
        var i = 0
        while i < layers.count {
            let layer = layers[i]
            switch layer {
            case let conv as Conv2DLayer:
                let k = conv.kernelSize, cin = conv.inputShape.channels, cout = conv.outputShape.channels
                let op = try reader.next(.conv2D, for: conv.name)
                let folded = conv.activation == .linear && i + 1 < layers.count && layers[i + 1] is BatchNormLayer
                let reluAfter = conv.activation == .linear && followsReLU(layers, i + (folded ? 2 : 1))
                guard case .conv2D(let options) = op.options else { throw reader.fail(conv.name, "CONV_2D without its options") }
                try reader.expectActivation(options.activation, relu: conv.activation == .relu || reluAfter, for: conv.name)
                let ohwi = try reader.weights(op, shape: [cout, k, k, cin], for: conv.name)
                for o in 0..<cout {
                    for j in 0..<k * k * cin { conv.kernel.value[j * cout + o] = ohwi[o * k * k * cin + j] }
                }
                try reader.bias(op, count: cout, for: conv.name, into: conv.bias.value)
                i += 1
                if folded {
                    setBatchNorm(layers[i] as! BatchNormLayer, multiplier: [Float](repeating: 1, count: cout),
                                 offset: [Float](repeating: 0, count: cout))
                    i += 1
                }
                if reluAfter { i += 1 }
            case let bn as BatchNormLayer:
                let c = bn.inputShape.channels
                let op = try reader.next(.depthwiseConv2D, for: bn.name,
                                         hint: "a BatchNorm after ReLU is one 1x1 DEPTHWISE_CONV_2D (export with --batchnorm depthwise)")
                let m = try reader.weights(op, shape: [1, 1, 1, c], lastAxis: true, for: bn.name)
                let a = FloatBuffer(count: c)
                try reader.bias(op, count: c, for: bn.name, into: a)
                setBatchNorm(bn, multiplier: m, offset: a.array())
                i += 1
            case let pool as MaxPoolLayer:
                let op = try reader.next(.maxPool2D, for: pool.name)
                guard case .pool2D(let o) = op.options, Int(o.filterWidth) == pool.size, Int(o.filterHeight) == pool.size else {
                    throw reader.fail(pool.name, "MAX_POOL_2D is not \(pool.size)x\(pool.size)")
                }
                i += 1
            case let flatten as FlattenLayer:
                _ = try reader.next(.reshape, for: flatten.name)
                i += 1
            case is DropoutLayer:
                i += 1
            case let dense as DenseLayer:
                let nIn = dense.inputShape.count, nOut = dense.outputShape.count
                let op = try reader.next(.fullyConnected, for: dense.name)
                guard case .fullyConnected(let options) = op.options else {
                    throw reader.fail(dense.name, "FULLY_CONNECTED without its options")
                }
                let reluAfter = dense.activation == .linear && followsReLU(layers, i + 1)
                try reader.expectActivation(options.activation, relu: dense.activation == .relu || reluAfter, for: dense.name)
                let oi = try reader.weights(op, shape: [nOut, nIn], for: dense.name)
                for o in 0..<nOut { for j in 0..<nIn { dense.kernel.value[j * nOut + o] = oi[o * nIn + j] } }
                try reader.bias(op, count: nOut, for: dense.name, into: dense.bias.value)
                if dense.activation == .softmax { _ = try reader.next(.softmax, for: dense.name) }
                i += reluAfter ? 2 : 1
            case let act as ActivationLayer where act.activation == .softmax:
                _ = try reader.next(.softmax, for: act.name)
                i += 1
            default:
                throw reader.fail(layer.name, "no TFLite operator corresponds to this layer here")
            }
        }
        guard reader.index == reader.operators.count else {
            throw .importFailed(path: path, reason: "the model has \(reader.operators.count) operators, the spec accounts for \(reader.index)")
        }
        return model
    }
}

private func followsReLU(_ layers: [any Layer], _ j: Int) -> Bool {
    j < layers.count && (layers[j] as? ActivationLayer)?.activation == .relu
}

/// Inference BN y = x·m + a with provisional statistics (mean 0, variance + ε = 1).
private func setBatchNorm(_ bn: BatchNormLayer, multiplier m: [Float], offset a: [Float]) {
    for c in m.indices {
        bn.movingMean[c] = 0
        bn.movingVariance[c] = 1 - bn.epsilon
        bn.gamma.value[c] = m[c] * (bn.movingVariance[c] + bn.epsilon).squareRoot()
        bn.beta.value[c] = a[c]
    }
}

/// The subgraph's operators in order, with checked access to their constant tensors.
private struct OperatorWalk {
    let file: TFLiteModel.Model
    let path: String
    let operators: [Operator]
    let tensors: [Tensor]
    var index = 0

    init(file: TFLiteModel.Model, path: String) {
        self.file = file
        self.path = path
        operators = file.subgraphs[0].operators
        tensors = file.subgraphs[0].tensors
    }

    func fail(_ layer: String, _ reason: String) -> QuantizeError {
        .importFailed(path: path, reason: "operator \(index) (for layer \(layer)): \(reason)")
    }

    mutating func next(_ code: BuiltinOperator, for layer: String, hint: String = "") throws(QuantizeError) -> Operator {
        guard index < operators.count else { throw fail(layer, "the model ends here, expected \(code)") }
        let op = operators[index]
        let found = file.operatorCodes[Int(op.opcodeIndex)].op
        guard found == code else { throw fail(layer, "expected \(code), found \(found)" + (hint.isEmpty ? "" : "; \(hint)")) }
        index += 1
        return op
    }

    func expectActivation(_ found: ActivationFunction, relu: Bool, for layer: String) throws(QuantizeError) {
        guard found == (relu ? .relu : ActivationFunction.none) else {
            throw fail(layer, "fused activation \(found), the spec needs \(relu ? "RELU" : "NONE")")
        }
    }

    /// Input 1 of `op` as floats: int8 values times their channel's scale, zero point 0. Channels
    /// are the outermost axis (conv OHWI, dense OI) or, `lastAxis`, the innermost (depthwise 1x1xC).
    func weights(_ op: Operator, shape: [Int], lastAxis: Bool = false, for layer: String) throws(QuantizeError) -> [Float] {
        let t = try constant(op, input: 1, for: layer, what: "weights")
        guard t.tensor.type == .int8, t.tensor.shape.map(Int.init) == shape else {
            throw fail(layer, "weights are \(t.tensor.type) \(t.tensor.shape), expected int8 \(shape)")
        }
        let count = shape.reduce(1, *)
        guard t.bytes.count == count else { throw fail(layer, "weights hold \(t.bytes.count) bytes, expected \(count)") }
        let channels = lastAxis ? shape[shape.count - 1] : shape[0]
        let q = try quantization(t.tensor, channels: channels, for: layer, what: "weights")
        return (0..<count).map { j in
            let c = lastAxis ? j % channels : j / (count / channels)
            return Float(Int8(bitPattern: t.bytes[j])) * q[c]
        }
    }

    /// Input 2 of `op` (int32, per-channel scale) dequantized into `out`.
    func bias(_ op: Operator, count: Int, for layer: String, into out: FloatBuffer) throws(QuantizeError) {
        let t = try constant(op, input: 2, for: layer, what: "bias")
        guard t.tensor.type == .int32, t.tensor.shape.map(Int.init) == [count], t.bytes.count == 4 * count else {
            throw fail(layer, "bias is \(t.tensor.type) \(t.tensor.shape) (\(t.bytes.count) bytes), expected int32 [\(count)]")
        }
        let q = try quantization(t.tensor, channels: count, for: layer, what: "bias")
        for c in 0..<count {
            let u = UInt32(t.bytes[4 * c]) | UInt32(t.bytes[4 * c + 1]) << 8 | UInt32(t.bytes[4 * c + 2]) << 16
                | UInt32(t.bytes[4 * c + 3]) << 24
            out[c] = Float(Int32(bitPattern: u)) * q[c]
        }
    }

    private func constant(_ op: Operator, input: Int, for layer: String, what: String) throws(QuantizeError)
        -> (tensor: Tensor, bytes: [UInt8]) {
        guard input < op.inputs.count, op.inputs[input] >= 0, Int(op.inputs[input]) < tensors.count else {
            throw fail(layer, "has no \(what) tensor (input \(input))")
        }
        let tensor = tensors[Int(op.inputs[input])]
        let bytes = file.buffers[Int(tensor.buffer)].data
        guard !bytes.isEmpty else { throw fail(layer, "\(what) tensor \(tensor.name) is not a constant") }
        return (tensor, bytes)
    }

    /// Per-channel scales (one scale broadcast), every zero point 0, all scales finite and positive.
    private func quantization(_ t: Tensor, channels: Int, for layer: String, what: String) throws(QuantizeError) -> [Float] {
        guard let q = t.quantization, q.scale.count == channels || q.scale.count == 1,
              q.zeroPoint.allSatisfy({ $0 == 0 }), q.scale.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw fail(layer, "\(what) tensor \(t.name) needs \(channels) positive scales (or one) and zero points 0")
        }
        return q.scale.count == channels ? q.scale : [Float](repeating: q.scale[0], count: channels)
    }
}
