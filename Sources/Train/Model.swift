import COpenBLAS
import Foundation

/// A sequential float32 network built from a `ModelSpec`: forward, backward, inference.
///
/// For the quantizer/exporter: load a trained model with
/// `try Checkpoint(contentsOf: url).makeModel(threads: 1)`, walk `layers` in order and cast:
/// - `Conv2DLayer`: `kernel.value` (kh, kw, cin, cout) row-major (Keras layout), `bias.value` (cout),
///   `kernelSize`, `activation` (.linear/.relu, fused), stride 1, SAME padding (pad (k-1)/2 before).
/// - `BatchNormLayer`: `gamma.value`, `beta.value`, `movingMean`, `movingVariance` (channels),
///   `epsilon` (1e-3); inference computes gamma * (x - mean) / sqrt(var + eps) + beta.
/// - `MaxPoolLayer`: `size` (pool = stride, VALID). `FlattenLayer`: NHWC order (h, w, c).
/// - `DenseLayer`: `kernel.value` (in, out) row-major, `bias.value` (out), `activation`
///   (.linear/.relu/.softmax, fused).
/// - `DropoutLayer`: identity at inference. `ActivationLayer`: standalone ReLU or softmax.
/// `predict` runs float inference on a batch (N, H, W, C) of values in [0, 1].
public final class Model {
    public let spec: ModelSpec
    /// Layers in order; cast to `Conv2DLayer`, `DenseLayer`, `BatchNormLayer`, ... for their weights.
    public let layers: [any Layer]
    /// Worker count for OpenBLAS and the trainer's own loops.
    public private(set) var threads: Int
    /// The dropout stream (saved in checkpoints).
    public var random: TrainRandom
    /// When true, forward/backward add each layer's wall time to `layerSeconds` (forward, backward).
    public var profiling = false
    public private(set) var layerSeconds: [(forward: Double, backward: Double)] = []
    /// Quantization-aware training: layer index → the int8 grid its output is rounded onto in every
    /// forward pass (training and inference); empty for plain float.
    public var activationGrids: [Int: ActivationGrid] = [:]
    private var capacity = 0
    // activations[0] is the input; activations[i+1] the output of layer i; gradients alike.
    private(set) var activations: [FloatBuffer] = []
    private var gradients: [FloatBuffer] = []

    /// Builds the layers and draws He-uniform kernels (Keras `he_uniform`: U(-l, l),
    /// l = sqrt(6 / fan_in)) from `seed`; biases and beta 0, gamma 1, moving variance 1.
    public init(spec: ModelSpec, seed: UInt64, threads: Int = 1) throws(ModelSpecError) {
        self.spec = spec
        let shapes = try spec.shapes()
        var layers: [any Layer] = []
        var shape = spec.input
        var counts: [String: Int] = [:]
        func name(_ kind: String) -> String {
            counts[kind, default: 0] += 1
            return "\(kind)_\(counts[kind]!)"
        }
        for (i, layerSpec) in spec.layers.enumerated() {
            switch layerSpec {
            case .conv(let f, let k, let a):
                let conv = Conv2DLayer(name: name("conv"), input: shape, filters: f, kernel: k, activation: a)
                conv.needsInputGradient = !layers.isEmpty
                layers.append(conv)
            case .batchNorm: layers.append(BatchNormLayer(name: name("bn"), input: shape))
            case .maxPool(let p): layers.append(MaxPoolLayer(name: name("maxpool"), input: shape, size: p))
            case .flatten: layers.append(FlattenLayer(name: name("flatten"), input: shape))
            case .dense(let u, let a): layers.append(DenseLayer(name: name("dense"), input: shape, units: u, activation: a))
            case .dropout(let r): layers.append(DropoutLayer(name: name("dropout"), input: shape, rate: r))
            case .activation(let a): layers.append(ActivationLayer(name: name(a.rawValue), input: shape, activation: a))
            }
            shape = shapes[i]
        }
        self.layers = layers
        self.threads = max(1, threads)
        var init_ = TrainRandom(seed: seed)
        random = TrainRandom(seed: seed ^ 0xD1_0B0D_5EED)
        for layer in layers {
            for p in layer.parameters {
                if p.name.hasSuffix("/kernel") {
                    let fanIn = p.shape.dropLast().reduce(1, *)
                    let limit = (6 / Float(fanIn)).squareRoot()
                    for j in 0..<p.count { p.value[j] = (init_.nextUnitFloat() * 2 - 1) * limit }
                } else if p.name.hasSuffix("/gamma") {
                    for j in 0..<p.count { p.value[j] = 1 }
                }
            }
            if let bn = layer as? BatchNormLayer {
                for j in 0..<bn.movingVariance.count { bn.movingVariance[j] = 1 }
            }
        }
        setThreads(self.threads)
    }

    /// Sets the worker count for this model's loops. OpenBLAS itself runs single-threaded
    /// (process-wide setting): our workers each call it on their own part of the batch.
    public func setThreads(_ n: Int) {
        threads = max(1, n)
        openblas_set_num_threads(1)
    }

    public var inputShape: Shape3 { spec.input }
    public var outputShape: Shape3 { layers.last?.outputShape ?? spec.input }

    /// Trainable parameters in a fixed order (layer order, then each layer's own order).
    public var parameters: [Parameter] { layers.flatMap(\.parameters) }

    /// Non-trainable state tensors (BN moving statistics) in a fixed order.
    public var stateBuffers: [FloatBuffer] { layers.flatMap(\.stateBuffers) }

    /// Total parameter count as Keras' `count_params` reports it (trainable plus BN moving stats).
    public var parameterCount: Int {
        parameters.reduce(0) { $0 + $1.count } + stateBuffers.reduce(0) { $0 + $1.count }
    }

    /// Grows the per-layer buffers to hold `batch` samples.
    public func reserve(batch: Int) {
        guard batch > capacity else { return }
        capacity = batch
        var buffers = [FloatBuffer(count: batch * spec.input.count)]
        for layer in layers { buffers.append(FloatBuffer(count: batch * layer.outputShape.count)) }
        activations = buffers
        gradients = buffers.map { FloatBuffer(count: $0.count) }
        for layer in layers { layer.reserve(batch: batch) }
    }

    /// Runs the network on `n` samples; returns a pointer to the (n, outputs) result, valid until
    /// the next call. input: (n, H, W, C).
    public func forward(_ input: UnsafePointer<Float>, n: Int, training: Bool) -> UnsafePointer<Float> {
        reserve(batch: n)
        activations[0].pointer.update(from: input, count: n * spec.input.count)
        var context = LayerContext(threads: threads, random: random)
        if profiling && layerSeconds.count != layers.count { layerSeconds = Array(repeating: (0, 0), count: layers.count) }
        for (i, layer) in layers.enumerated() {
            let t0 = profiling ? DispatchTime.now().uptimeNanoseconds : 0
            layer.forward(activations[i + 1].pointer, activations[i].pointer, n, training: training, context: &context)
            if let grid = activationGrids[i] {
                fakeQuantize(activations[i + 1].pointer, count: n * layer.outputShape.count, grid: grid, threads: threads)
            }
            if profiling { layerSeconds[i].forward += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9 }
        }
        random = context.random
        return UnsafePointer(activations[layers.count].pointer)
    }

    /// The buffer the loss writes dL/d(output) into before `backward`.
    public var outputGradient: UnsafeMutablePointer<Float> { gradients[layers.count].pointer }

    /// Backpropagates `outputGradient` through the last `forward(training: true)` of `n` samples,
    /// accumulating into the parameter gradients.
    public func backward(n: Int) {
        var context = LayerContext(threads: threads, random: random)
        for i in stride(from: layers.count - 1, through: 0, by: -1) {
            let dinp: UnsafeMutablePointer<Float>? = i > 0 ? gradients[i].pointer : nil
            let t0 = profiling ? DispatchTime.now().uptimeNanoseconds : 0
            if !layers[i].overwritesInputGradient { dinp?.update(repeating: 0, count: n * layers[i].inputShape.count) }
            if let grid = activationGrids[i] {
                clipGradient(gradients[i + 1].pointer, outputs: activations[i + 1].pointer,
                             count: n * layers[i].outputShape.count, grid: grid, threads: threads)
            }
            layers[i].backward(dinp, gradients[i + 1].pointer, activations[i + 1].pointer, activations[i].pointer, n,
                               context: &context)
            if profiling { layerSeconds[i].backward += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9 }
        }
    }

    public func zeroGradients() {
        for p in parameters { p.gradient.zero() }
    }

    /// Float inference over many samples in batches. images: (count, H, W, C); returns (count, outputs).
    public func predict(_ images: UnsafePointer<Float>, count: Int, batch: Int = 256) -> [Float] {
        let outCount = outputShape.count
        var result = [Float](repeating: 0, count: count * outCount)
        var start = 0
        while start < count {
            let n = min(batch, count - start)
            let out = forward(images + start * spec.input.count, n: n, training: false)
            for j in 0..<n * outCount { result[start * outCount + j] = out[j] }
            start += n
        }
        return result
    }

    public func predict(_ images: [Float], count: Int, batch: Int = 256) -> [Float] {
        precondition(images.count == count * spec.input.count, "images must be count*H*W*C floats")
        return images.withUnsafeBufferPointer { predict($0.baseAddress!, count: count, batch: batch) }
    }
}
