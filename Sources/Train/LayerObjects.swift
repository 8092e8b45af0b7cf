// Layer objects: each owns its parameters and the buffers its backward pass needs, sized for the
// largest batch seen (`reserve`), so a training step allocates nothing.
// Weight layouts (row-major, as Keras stores them, for the quantizer/exporter):
//   Conv2DLayer.kernel (kh, kw, cin, cout), bias (cout)
//   DenseLayer.kernel (in, out), bias (out)
//   BatchNormLayer gamma, beta, movingMean, movingVariance (channels), epsilon

/// What every layer offers the model and the exporter.
public protocol Layer: AnyObject {
    var name: String { get }
    var inputShape: Shape3 { get }
    var outputShape: Shape3 { get }
    /// Trainable tensors, in a fixed order (checkpoints and the optimizer rely on it).
    var parameters: [Parameter] { get }
    /// Non-trainable tensors (BatchNorm's moving statistics).
    var stateBuffers: [FloatBuffer] { get }
    func reserve(batch: Int)
    /// out: (N, outputShape); inp: (N, inputShape).
    func forward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ n: Int, training: Bool,
                 context: inout LayerContext)
    /// dinp += dL/dinp (if given; `=` for layers with `overwritesInputGradient`), parameter
    /// gradients +=. dout may be overwritten. out/inp are this step's forward output and input.
    func backward(_ dinp: UnsafeMutablePointer<Float>?, _ dout: UnsafeMutablePointer<Float>,
                  _ out: UnsafePointer<Float>, _ inp: UnsafePointer<Float>, _ n: Int, context: inout LayerContext)
}

extension Layer {
    public var stateBuffers: [FloatBuffer] { [] }
    /// True when `backward` assigns dinp instead of adding to it, so the model need not zero it.
    public var overwritesInputGradient: Bool { false }
}

/// Per-step settings shared by the layers: worker count and the dropout stream.
public struct LayerContext: Sendable {
    public var threads: Int
    public var random: TrainRandom
}

/// ReLU masking in place: dout[i] = 0 where the activation output was not positive.
func maskReLUInPlace(_ dout: UnsafeMutablePointer<Float>, _ out: UnsafePointer<Float>, _ count: Int, threads: Int) {
    parallelFor(count, threads: threads, minimumPerThread: 16384) { range in
        maskWherePositive(dout + range.lowerBound, out + range.lowerBound, range.count)
    }
}

/// Softmax backward in place: dout becomes dL/dlogits.
func softmaxBackwardInPlace(_ dout: UnsafeMutablePointer<Float>, _ probs: UnsafePointer<Float>, _ n: Int, _ c: Int) {
    for r in 0..<n {
        let p = probs + r * c, g = dout + r * c
        var dot: Float = 0
        for j in 0..<c { dot += g[j] * p[j] }
        for j in 0..<c { g[j] = p[j] * (g[j] - dot) }
    }
}

/// Conv2D (stride 1, SAME) with an optional fused ReLU.
public final class Conv2DLayer: Layer {
    public let name: String
    public let inputShape: Shape3
    public let outputShape: Shape3
    public let kernelSize: Int
    public let activation: Activation
    public let kernel: Parameter
    public let bias: Parameter
    /// False for the first layer: its input gradient is never needed.
    public var needsInputGradient = true
    private var scratch = FloatBuffer(count: 0)

    init(name: String, input: Shape3, filters: Int, kernel k: Int, activation: Activation) {
        self.name = name
        inputShape = input
        outputShape = Shape3(input.height, input.width, filters)
        kernelSize = k
        self.activation = activation
        kernel = Parameter(name: "\(name)/kernel", shape: [k, k, input.channels, filters])
        bias = Parameter(name: "\(name)/bias", shape: [filters])
    }

    public var parameters: [Parameter] { [kernel, bias] }
    public var overwritesInputGradient: Bool { true }

    /// The scratch depends on the thread count too, so it is sized on first use (then reused).
    public func reserve(batch: Int) {}

    /// Scratch for `n` samples on `threads` workers (grown, never shrunk).
    private func scratchPointer(_ n: Int, threads: Int) -> UnsafeMutablePointer<Float> {
        let need = ConvScratchLayout.count(batch: n, height: inputShape.height, width: inputShape.width,
                                           cin: inputShape.channels, cout: outputShape.channels, k: kernelSize,
                                           threads: threads)
        if scratch.count < need { scratch = FloatBuffer(count: need) }
        return scratch.pointer
    }

    public func forward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ n: Int, training: Bool,
                        context: inout LayerContext) {
        conv2dForward(out, scratchPointer(n, threads: context.threads), inp, kernel.value.pointer, bias.value.pointer,
                      n, inputShape.height, inputShape.width, inputShape.channels, outputShape.channels, kernelSize,
                      relu: activation == .relu, threads: context.threads)
    }

    public func backward(_ dinp: UnsafeMutablePointer<Float>?, _ dout: UnsafeMutablePointer<Float>,
                         _ out: UnsafePointer<Float>, _ inp: UnsafePointer<Float>, _ n: Int, context: inout LayerContext) {
        conv2dBackward(needsInputGradient ? dinp : nil, kernel.gradient.pointer, bias.gradient.pointer,
                       scratchPointer(n, threads: context.threads), dout, out, inp, kernel.value.pointer, n,
                       inputShape.height, inputShape.width, inputShape.channels, outputShape.channels, kernelSize,
                       relu: activation == .relu, accumulate: false, threads: context.threads)
    }
}

/// Dense with an optional fused ReLU or softmax.
public final class DenseLayer: Layer {
    public let name: String
    public let inputShape: Shape3
    public let outputShape: Shape3
    public let activation: Activation
    public let kernel: Parameter
    public let bias: Parameter

    init(name: String, input: Shape3, units: Int, activation: Activation) {
        self.name = name
        inputShape = input
        outputShape = Shape3(1, 1, units)
        self.activation = activation
        kernel = Parameter(name: "\(name)/kernel", shape: [input.count, units])
        bias = Parameter(name: "\(name)/bias", shape: [units])
    }

    public var parameters: [Parameter] { [kernel, bias] }
    public func reserve(batch: Int) {}

    public func forward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ n: Int, training: Bool,
                        context: inout LayerContext) {
        let i = inputShape.count, o = outputShape.count
        denseForward(out, inp, kernel.value.pointer, bias.value.pointer, n, i, o)
        switch activation {
        case .relu: reluForward(out, out, n * o, threads: 1)
        case .softmax: softmaxForward(out, out, n, o)
        case .linear: break
        }
    }

    public func backward(_ dinp: UnsafeMutablePointer<Float>?, _ dout: UnsafeMutablePointer<Float>,
                         _ out: UnsafePointer<Float>, _ inp: UnsafePointer<Float>, _ n: Int, context: inout LayerContext) {
        let i = inputShape.count, o = outputShape.count
        switch activation {
        case .relu: maskReLUInPlace(dout, out, n * o, threads: 1)
        case .softmax: softmaxBackwardInPlace(dout, out, n, o)
        case .linear: break
        }
        denseBackward(dinp, kernel.gradient.pointer, bias.gradient.pointer, dout, inp, kernel.value.pointer, n, i, o)
    }
}

/// BatchNormalization over channels (Keras defaults: momentum 0.99, epsilon 1e-3).
public final class BatchNormLayer: Layer {
    public let name: String
    public let inputShape: Shape3
    public var outputShape: Shape3 { inputShape }
    public let gamma: Parameter
    public let beta: Parameter
    public let movingMean: FloatBuffer
    public let movingVariance: FloatBuffer
    public let momentum: Float = BatchNormDefaults.momentum
    public let epsilon: Float = BatchNormDefaults.epsilon
    private var xhat = FloatBuffer(count: 0)
    private let mean: FloatBuffer
    private let rstd: FloatBuffer

    init(name: String, input: Shape3) {
        self.name = name
        inputShape = input
        let c = input.channels
        gamma = Parameter(name: "\(name)/gamma", shape: [c])
        beta = Parameter(name: "\(name)/beta", shape: [c])
        movingMean = FloatBuffer(count: c)
        movingVariance = FloatBuffer(count: c)
        mean = FloatBuffer(count: c)
        rstd = FloatBuffer(count: c)
    }

    public var parameters: [Parameter] { [gamma, beta] }
    public var stateBuffers: [FloatBuffer] { [movingMean, movingVariance] }
    public var overwritesInputGradient: Bool { true }

    public func reserve(batch: Int) {
        if xhat.count < batch * inputShape.count { xhat = FloatBuffer(count: batch * inputShape.count) }
    }

    public func forward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ n: Int, training: Bool,
                        context: inout LayerContext) {
        let rows = n * inputShape.height * inputShape.width, c = inputShape.channels
        if training {
            batchNormForwardTraining(out, xhat.pointer, mean.pointer, rstd.pointer, movingMean.pointer,
                                     movingVariance.pointer, inp, gamma.value.pointer, beta.value.pointer, rows, c,
                                     momentum: momentum, epsilon: epsilon, threads: context.threads)
        } else {
            batchNormForwardInference(out, inp, gamma.value.pointer, beta.value.pointer, movingMean.pointer,
                                      movingVariance.pointer, rows, c, epsilon: epsilon, threads: context.threads)
        }
    }

    public func backward(_ dinp: UnsafeMutablePointer<Float>?, _ dout: UnsafeMutablePointer<Float>,
                         _ out: UnsafePointer<Float>, _ inp: UnsafePointer<Float>, _ n: Int, context: inout LayerContext) {
        let rows = n * inputShape.height * inputShape.width
        batchNormBackward(dinp, gamma.gradient.pointer, beta.gradient.pointer, dout, xhat.pointer, rstd.pointer,
                          gamma.value.pointer, rows, inputShape.channels, accumulate: false, threads: context.threads)
    }
}

/// MaxPooling2D, pool = stride, VALID.
public final class MaxPoolLayer: Layer {
    public let name: String
    public let inputShape: Shape3
    public let outputShape: Shape3
    public let size: Int
    private var argmax = UnsafeMutableBufferPointer<Int32>(start: nil, count: 0)

    init(name: String, input: Shape3, size: Int) {
        self.name = name
        inputShape = input
        self.size = size
        outputShape = Shape3(input.height / size, input.width / size, input.channels)
    }

    deinit { argmax.deallocate() }

    public var parameters: [Parameter] { [] }

    public func reserve(batch: Int) {
        let need = batch * outputShape.count
        if argmax.count < need {
            argmax.deallocate()
            argmax = .allocate(capacity: need)
            argmax.initialize(repeating: 0)
        }
    }

    public func forward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ n: Int, training: Bool,
                        context: inout LayerContext) {
        maxPoolForward(out, training ? argmax.baseAddress : nil, inp, n, inputShape.height, inputShape.width,
                       inputShape.channels, size, threads: context.threads)
    }

    public func backward(_ dinp: UnsafeMutablePointer<Float>?, _ dout: UnsafeMutablePointer<Float>,
                         _ out: UnsafePointer<Float>, _ inp: UnsafePointer<Float>, _ n: Int, context: inout LayerContext) {
        guard let dinp else { return }
        maxPoolBackward(dinp, dout, argmax.baseAddress!, n * outputShape.count, threads: context.threads)
    }
}

/// Flatten: NHWC is already row-major (h, w, c), so this is a copy.
public final class FlattenLayer: Layer {
    public let name: String
    public let inputShape: Shape3
    public let outputShape: Shape3

    init(name: String, input: Shape3) {
        self.name = name
        inputShape = input
        outputShape = Shape3(1, 1, input.count)
    }

    public var parameters: [Parameter] { [] }
    public func reserve(batch: Int) {}

    public func forward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ n: Int, training: Bool,
                        context: inout LayerContext) {
        out.update(from: inp, count: n * inputShape.count)
    }

    public func backward(_ dinp: UnsafeMutablePointer<Float>?, _ dout: UnsafeMutablePointer<Float>,
                         _ out: UnsafePointer<Float>, _ inp: UnsafePointer<Float>, _ n: Int, context: inout LayerContext) {
        guard let dinp else { return }
        for i in 0..<n * inputShape.count { dinp[i] += dout[i] }
    }
}

/// Dropout with a seeded mask (identity at inference).
public final class DropoutLayer: Layer {
    public let name: String
    public let inputShape: Shape3
    public var outputShape: Shape3 { inputShape }
    public let rate: Float
    private var mask = FloatBuffer(count: 0)
    private var lastTraining = false

    init(name: String, input: Shape3, rate: Float) {
        self.name = name
        inputShape = input
        self.rate = rate
    }

    public var parameters: [Parameter] { [] }

    public func reserve(batch: Int) {
        if mask.count < batch * inputShape.count { mask = FloatBuffer(count: batch * inputShape.count) }
    }

    public func forward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ n: Int, training: Bool,
                        context: inout LayerContext) {
        lastTraining = training && rate > 0
        if lastTraining {
            dropoutForward(out, mask.pointer, inp, n * inputShape.count, rate: rate, random: &context.random)
        } else {
            out.update(from: inp, count: n * inputShape.count)
        }
    }

    public func backward(_ dinp: UnsafeMutablePointer<Float>?, _ dout: UnsafeMutablePointer<Float>,
                         _ out: UnsafePointer<Float>, _ inp: UnsafePointer<Float>, _ n: Int, context: inout LayerContext) {
        guard let dinp else { return }
        if lastTraining {
            dropoutBackward(dinp, dout, mask.pointer, n * inputShape.count)
        } else {
            for i in 0..<n * inputShape.count { dinp[i] += dout[i] }
        }
    }
}

/// A standalone ReLU or softmax.
public final class ActivationLayer: Layer {
    public let name: String
    public let inputShape: Shape3
    public var outputShape: Shape3 { inputShape }
    public let activation: Activation

    init(name: String, input: Shape3, activation: Activation) {
        self.name = name
        inputShape = input
        self.activation = activation
    }

    public var parameters: [Parameter] { [] }
    public func reserve(batch: Int) {}

    public func forward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ n: Int, training: Bool,
                        context: inout LayerContext) {
        switch activation {
        case .relu: reluForward(out, inp, n * inputShape.count, threads: context.threads)
        case .softmax: softmaxForward(out, inp, n * inputShape.height * inputShape.width, inputShape.channels)
        case .linear: out.update(from: inp, count: n * inputShape.count)
        }
    }

    public func backward(_ dinp: UnsafeMutablePointer<Float>?, _ dout: UnsafeMutablePointer<Float>,
                         _ out: UnsafePointer<Float>, _ inp: UnsafePointer<Float>, _ n: Int, context: inout LayerContext) {
        guard let dinp else { return }
        let count = n * inputShape.count
        switch activation {
        case .relu: reluBackward(dinp, dout, out, count, threads: context.threads)
        case .softmax: softmaxBackward(dinp, dout, out, n * inputShape.height * inputShape.width, inputShape.channels)
        case .linear: for i in 0..<count { dinp[i] += dout[i] }
        }
    }
}
