import Train

/// A trained float model rewritten as the sequence of TFLite operators it exports to.
/// BatchNorm directly after a conv or dense without activation is folded into its weights; BatchNorm
/// elsewhere (our nets and the reference put it after ReLU) becomes a per-channel scale-and-shift
/// (see `BatchNormExport`); dropout disappears; flatten becomes a reshape.
public struct LoweredGraph: Sendable {
    /// One exported operator; each produces a new tensor of shape `outputShape`.
    public enum Op: Sendable {
        /// Conv 3x3-style, stride 1, SAME; kernel (kh, kw, cin, cout) as in Keras.
        case conv(kernel: [Float], bias: [Float], size: Int, relu: Bool)
        /// x · multiplier[c] (broadcast over the channel axis).
        case mul([Float])
        /// x + offset[c].
        case add([Float])
        /// x · multiplier[c] + offset[c] in one operator (exported as a 1x1 DEPTHWISE_CONV_2D).
        case scaleShift(multiplier: [Float], offset: [Float])
        /// Max pooling, pool = stride = size, VALID.
        case maxPool(size: Int)
        /// Flatten to (1, 1, count), NHWC order.
        case reshape
        /// Dense; kernel (in, out) as in Keras.
        case dense(kernel: [Float], bias: [Float], relu: Bool)
        case softmax
    }

    public var input: Shape3
    public var ops: [Op]
    /// Output shape of each op.
    public var shapes: [Shape3]
    /// The trainer layer each op came from (for tensor names).
    public var names: [String]
    /// The index of the trainer layer whose output equals op k's output (−1: none, the logits of a
    /// dense layer with softmax).
    public var layerIndices: [Int]

    /// Lowers `model`'s layers; throws for a layer sequence TFLite int8 cannot express here.
    /// `batchNorm` picks the operators for a BatchNorm that cannot be folded.
    public init(model: Train.Model, batchNorm: BatchNormExport = .depthwise) throws(QuantizeError) {
        input = model.inputShape
        ops = []
        shapes = []
        names = []
        layerIndices = []
        let layers = model.layers
        var i = 0
        func append(_ op: Op, _ shape: Shape3, _ name: String, last: Int) {
            ops.append(op)
            shapes.append(shape)
            names.append(name)
            layerIndices.append(last)
        }
        /// A standalone ReLU right after position `j` (fused into the preceding conv/dense).
        func followingReLU(_ j: Int) -> Bool {
            j < layers.count && (layers[j] as? ActivationLayer)?.activation == .relu
        }
        while i < layers.count {
            let layer = layers[i]
            switch layer {
            case let conv as Conv2DLayer:
                var kernel = conv.kernel.value.array(), bias = conv.bias.value.array()
                var relu = conv.activation == .relu
                var consumed = 1
                if !relu, i + 1 < layers.count, let bn = layers[i + 1] as? BatchNormLayer {
                    fold(bn, kernel: &kernel, bias: &bias, outputs: conv.outputShape.channels)
                    consumed = 2
                }
                if !relu && followingReLU(i + consumed) { relu = true; consumed += 1 }
                append(.conv(kernel: kernel, bias: bias, size: conv.kernelSize, relu: relu), conv.outputShape, conv.name, last: i + consumed - 1)
                i += consumed
            case let dense as DenseLayer:
                var kernel = dense.kernel.value.array(), bias = dense.bias.value.array()
                var consumed = 1
                var relu = dense.activation == .relu
                if dense.activation == .linear, i + 1 < layers.count, let bn = layers[i + 1] as? BatchNormLayer {
                    fold(bn, kernel: &kernel, bias: &bias, outputs: dense.outputShape.channels)
                    consumed = 2
                }
                if dense.activation == .linear && followingReLU(i + consumed) { relu = true; consumed += 1 }
                let softmax = dense.activation == .softmax
                append(.dense(kernel: kernel, bias: bias, relu: relu), dense.outputShape, dense.name, last: softmax ? -1 : i + consumed - 1)
                if softmax { append(.softmax, dense.outputShape, dense.name + "/softmax", last: i) }
                i += consumed
            case let bn as BatchNormLayer:
                let (m, a) = bn.multiplierAndOffset
                switch batchNorm {
                case .depthwise:
                    append(.scaleShift(multiplier: m, offset: a), bn.outputShape, bn.name, last: i)
                case .mulAdd:
                    append(.mul(m), bn.outputShape, bn.name + "/mul", last: -1)
                    append(.add(a), bn.outputShape, bn.name + "/add", last: i)
                }
                i += 1
            case let pool as MaxPoolLayer:
                append(.maxPool(size: pool.size), pool.outputShape, pool.name, last: i)
                i += 1
            case let flatten as FlattenLayer:
                append(.reshape, flatten.outputShape, flatten.name, last: i)
                i += 1
            case is DropoutLayer:
                i += 1
            case let act as ActivationLayer:
                guard act.activation == .softmax else {
                    throw .unsupportedLayer(index: i, name: act.name,
                                            reason: "a standalone \(act.activation.rawValue) must follow a conv or dense without BatchNorm")
                }
                append(.softmax, act.outputShape, act.name, last: i)
                i += 1
            default:
                throw .unsupportedLayer(index: i, name: layer.name, reason: "no TFLite lowering for \(type(of: layer))")
            }
        }
        guard !ops.isEmpty else { throw .unsupportedLayer(index: 0, name: "model", reason: "the model has no layers") }
    }

    /// Output shape of the whole graph.
    public var outputShape: Shape3 { shapes.last ?? input }

    /// Input shape of op `k`.
    public func inputShape(of k: Int) -> Shape3 { k == 0 ? input : shapes[k - 1] }
}

/// How a BatchNorm that follows a ReLU (so cannot be folded into the conv before it) is exported.
public enum BatchNormExport: String, Sendable, CaseIterable {
    /// One 1x1 DEPTHWISE_CONV_2D: the multiplier as a per-channel int8 weight (exact: one weight per
    /// channel gets its own scale), the offset as an int32 bias; one requantization.
    case depthwise
    /// MUL then ADD by int8 constant vectors with one scale each, as TensorFlow's converter writes a
    /// Keras BatchNormalization: small multipliers and offsets lose precision next to large ones,
    /// and the tensor between the two is rounded to int8 too.
    case mulAdd = "mul-add"
}

extension BatchNormLayer {
    /// Inference-time BN as y = x · m + a: m = γ / sqrt(var + ε), a = β − mean · m (Keras
    /// BatchNormalization in inference mode; TensorFlow's converter emits exactly these two vectors).
    var multiplierAndOffset: ([Float], [Float]) {
        let c = inputShape.channels
        var m = [Float](repeating: 0, count: c), a = [Float](repeating: 0, count: c)
        for j in 0..<c {
            m[j] = gamma.value[j] / (movingVariance[j] + epsilon).squareRoot()
            a[j] = beta.value[j] - movingMean[j] * m[j]
        }
        return (m, a)
    }
}

/// Folds a BN that directly follows a linear conv/dense into its weights: w'[..., c] = w[..., c] · m[c],
/// b'[c] = b[c] · m[c] + a[c]. Kernels keep the output channel innermost (Keras layout).
private func fold(_ bn: BatchNormLayer, kernel: inout [Float], bias: inout [Float], outputs: Int) {
    let (m, a) = bn.multiplierAndOffset
    for j in kernel.indices { kernel[j] *= m[j % outputs] }
    for c in 0..<outputs { bias[c] = bias[c] * m[c] + a[c] }
}
