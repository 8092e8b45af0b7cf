import Foundation

/// Training settings; the defaults are the reference recipe (Adam 1e-3 x0.75 every 5 epochs,
/// batch 256, 50 epochs, focal loss).
public struct TrainConfig: Sendable, Equatable {
    public var epochs = 50
    public var batchSize = 256
    public var schedule = StepDecay()
    public var loss: LossFunction = .focal(.reference)
    public var seed: UInt64 = 1
    public var threads = 2
    public var augment = true
    /// Class-balanced draws instead of one shuffled pass per epoch (nil: shuffle).
    public var sampler: ClassBalancedSampler?
    /// Quantization-aware training: forward and backward see the conv and dense kernels rounded to
    /// per-channel int8 as the exporter rounds them; Adam updates the float kernels (straight-through).
    public var fakeQuantizedKernels = false
    public init() {}
}

/// Mean loss and accuracy of one pass.
public struct EpochSummary: Sendable, Equatable {
    public var epoch: Int
    public var loss: Float
    public var accuracy: Float
    public var learningRate: Float
    public var imagesPerSecond: Double
    public var seconds: Double
}

/// Progress of a running epoch, for display.
public struct StepProgress: Sendable {
    public var epoch: Int
    public var epochs: Int
    public var seen: Int
    public var total: Int
    public var loss: Float
    public var accuracy: Float
    public var imagesPerSecond: Double
}

/// The training loop: shuffles with its own seeded stream, fills batches, runs forward, loss,
/// backward and Adam. `random` and the model's dropout stream live in checkpoints, so a resumed
/// run continues the same streams.
public final class Trainer {
    public let model: Model
    public let config: TrainConfig
    public let optimizer: Adam
    /// The data stream (shuffles, augmentation).
    public var random: TrainRandom
    /// Epochs completed.
    public var epoch = 0
    private let images: FloatBuffer
    private let targets: FloatBuffer

    public init(model: Model, config: TrainConfig) {
        self.model = model
        self.config = config
        optimizer = Adam(parameters: model.parameters)
        random = TrainRandom(seed: config.seed &+ 0x5EED_DA7A)
        model.setThreads(config.threads)
        model.reserve(batch: config.batchSize)
        images = FloatBuffer(count: config.batchSize * model.inputShape.count)
        let classes = model.outputShape.count
        targets = FloatBuffer(count: config.batchSize * classes)
    }

    /// One optimizer step on `n` samples already in the batch buffers; returns (loss, correct).
    public func step(n: Int, learningRate: Float) -> (loss: Float, correct: Int) {
        let classes = model.outputShape.count
        model.zeroGradients()
        let floatKernels = config.fakeQuantizedKernels ? model.roundKernelsToInt8() : []
        let probs = model.forward(images.pointer, n: n, training: true)
        var correct = 0
        for r in 0..<n where argmax(probs + r * classes, classes) == argmax(targets.pointer + r * classes, classes) {
            correct += 1
        }
        let loss = config.loss.evaluate(model.outputGradient, probs, targets.pointer, n, classes)
        model.backward(n: n)
        model.restoreKernels(floatKernels)
        optimizer.update(model.parameters, learningRate: learningRate)
        return (loss, correct)
    }

    /// Loads samples `indices` (at most one batch) into the batch buffers.
    /// `augmentationKey` stands for the epoch in sources that derive augmentation from (epoch, index).
    public func fillBatch(_ source: any TrainingSource, indices: some Collection<Int>, random: inout TrainRandom,
                          augmentationKey: Int? = nil) {
        precondition(indices.count <= config.batchSize, "more samples than the batch holds")
        source.fill(images: images.pointer, targets: targets.pointer, indices: ArraySlice(indices),
                    augment: config.augment, epoch: augmentationKey ?? epoch, random: &random)
    }

    /// The sample order of one epoch: a permutation, or the sampler's draws.
    func epochOrder(_ source: any TrainingSource) -> [Int] {
        guard let sampler = config.sampler else { return random.permutation(source.count) }
        return sampler.order(labels: (0..<source.count).map(source.label), classCount: source.classCount, random: &random)
    }

    /// Trains one epoch over `source`, calling `progress` after each step.
    public func trainEpoch(_ source: any TrainingSource, progress: (StepProgress) -> Void = { _ in }) -> EpochSummary {
        precondition(source.sampleShape == model.inputShape, "data \(source.sampleShape) vs model input \(model.inputShape)")
        let lr = config.schedule.rate(epoch: epoch)
        let order = epochOrder(source)
        let start = DispatchTime.now().uptimeNanoseconds
        var lossSum: Double = 0, correct = 0, seen = 0
        var i = 0
        while i < order.count {
            let n = min(config.batchSize, order.count - i)
            // Drawn with replacement, an image can recur in an epoch; a per-batch key gives each
            // recurrence its own augmentation. Shuffled epochs keep the epoch as key (resumable runs).
            let key = config.sampler == nil ? epoch : epoch &* 1_000_003 &+ i / config.batchSize
            fillBatch(source, indices: order[i..<i + n], random: &random, augmentationKey: key)
            let r = step(n: n, learningRate: lr)
            lossSum += Double(r.loss) * Double(n)
            correct += r.correct
            seen += n
            i += n
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            progress(StepProgress(epoch: epoch + 1, epochs: config.epochs, seen: seen, total: order.count,
                                  loss: Float(lossSum / Double(seen)), accuracy: Float(correct) / Float(seen),
                                  imagesPerSecond: Double(seen) / max(elapsed, 1e-9)))
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        epoch += 1
        return EpochSummary(epoch: epoch, loss: Float(lossSum / Double(max(seen, 1))),
                            accuracy: Float(correct) / Float(max(seen, 1)), learningRate: lr,
                            imagesPerSecond: Double(seen) / max(seconds, 1e-9), seconds: seconds)
    }
}

/// Index of the largest of c values (the first on ties).
func argmax(_ p: UnsafePointer<Float>, _ c: Int) -> Int {
    var best = 0
    for j in 1..<c where p[j] > p[best] { best = j }
    return best
}
