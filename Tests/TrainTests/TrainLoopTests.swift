import Foundation
import Testing
import Dataset
@testable import Train

// Training-loop behaviour on a small synthetic task: class k lights up quadrant k of an 8x8 image.

let tinySpec = "input 8 8 1\nconv 4 3 relu\nbn\nmaxpool 2\nconv 8 3 relu\nbn\nmaxpool 2\nflatten\ndense 16 relu\ndropout 0.2\ndense 4 softmax\n"

func quadrantData(count: Int, seed: UInt64) -> InMemorySource {
    var rng = TrainRandom(seed: seed)
    var images: [Float] = [], labels: [Int] = []
    for _ in 0..<count {
        let label = Int(rng.next() % 4)
        for y in 0..<8 {
            for x in 0..<8 {
                let q = (y / 4) * 2 + x / 4
                images.append((q == label ? 0.6 : 0.2) + 0.3 * rng.nextUnitFloat())
            }
        }
        labels.append(label)
    }
    return InMemorySource(sampleShape: Shape3(8, 8, 1), classCount: 4, images: images, labels: labels)
}

func tinyTrainer(seed: UInt64 = 5, threads: Int = 2, loss: LossFunction = .crossEntropy) throws -> Trainer {
    var config = TrainConfig()
    config.batchSize = 32
    config.epochs = 6
    config.seed = seed
    config.threads = threads
    config.loss = loss
    config.schedule = StepDecay(initial: 1e-2, factor: 0.75, every: 1)
    return Trainer(model: try Model(spec: try ModelSpec(parsing: tinySpec), seed: seed, threads: threads), config: config)
}

/// The largest probability difference between two models' predictions on `data` (inference mode).
func largestPredictionDifference(_ a: Model, _ b: Model, on data: InMemorySource) -> Float {
    let pa = a.predict(data.images, count: data.count), pb = b.predict(data.images, count: data.count)
    #expect(pa.count == pb.count && !pa.isEmpty)
    return zip(pa, pb).map { abs($0 - $1) }.max() ?? .infinity
}

/// A one-epoch trainer for `spec` that starts from `checkpoint` as `--init-from` does.
func warmStartedTrainer(_ checkpoint: Checkpoint, spec: String, config base: TrainConfig) throws -> Trainer {
    var config = base
    config.epochs = 1
    let trainer = Trainer(model: try Model(spec: try ModelSpec(parsing: spec), seed: 1, threads: 2), config: config)
    try checkpoint.warmStart(trainer, path: "grown.ckpt")
    return trainer
}

/// A tiny trainer after `epochs` epochs on quadrant data of `count` samples, and that data.
func trainedTinyTrainer(seed: UInt64 = 5, count: Int, epochs: Int = 2) throws -> (trainer: Trainer, data: InMemorySource) {
    let trainer = try tinyTrainer(seed: seed)
    let data = quadrantData(count: count, seed: 8)
    for _ in 0..<epochs { _ = trainer.trainEpoch(data) }
    return (trainer, data)
}

func weights(_ t: Trainer) -> [[Float]] {
    t.model.parameters.map { $0.value.array() } + t.model.stateBuffers.map { $0.array() }
}

@Test(arguments: ["crossentropy", "focal"])
func trainLearnsSyntheticTask(_ lossName: String) throws {
    let loss: LossFunction = lossName == "focal" ? .focal(FocalLoss(gamma: 2, alpha: [0.5, 0.5, 0.5, 0.5])) : .crossEntropy
    let trainer = try tinyTrainer(loss: loss)
    let train = quadrantData(count: 320, seed: 1), validation = quadrantData(count: 200, seed: 2)
    var summaries: [EpochSummary] = []
    for _ in 0..<6 { summaries.append(trainer.trainEpoch(train)) }
    #expect(summaries.last!.loss < summaries.first!.loss, "loss fell: \(summaries.map(\.loss))")
    // Inference mode (moving BN statistics, no dropout) on held-out data.
    let metrics = evaluate(trainer.model, on: validation, batch: 64)
    #expect(metrics.accuracy > 0.9, "validation accuracy \(metrics.accuracy)")
    for (epoch, s) in summaries.enumerated() {
        #expect(abs(s.learningRate - 1e-2 * pow(0.75, Float(epoch))) < 1e-8)
    }
}

@Test func trainIsDeterministicForASeedAndThreadCount() throws {
    let data = quadrantData(count: 100, seed: 3)
    let a = try tinyTrainer(), b = try tinyTrainer()
    for _ in 0..<2 {
        _ = a.trainEpoch(data)
        _ = b.trainEpoch(data)
    }
    #expect(weights(a) == weights(b))
    let c = try tinyTrainer(seed: 6)
    _ = c.trainEpoch(data)
    _ = c.trainEpoch(data)
    #expect(weights(a) != weights(c))
}

@Test func trainResumeFromCheckpointContinuesExactly() throws {
    let data = quadrantData(count: 100, seed: 4)
    let straight = try tinyTrainer()
    _ = straight.trainEpoch(data)
    _ = straight.trainEpoch(data)

    let first = try tinyTrainer()
    _ = first.trainEpoch(data)
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("train-resume-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let url = dir.appendingPathComponent("epoch-001.ckpt")
    try Checkpoint(trainer: first, notes: "{}").write(to: url)

    let resumed = try tinyTrainer(seed: 99)  // different init: everything must come from the file
    try Checkpoint(contentsOf: url).restore(resumed, path: url.path)
    #expect(resumed.epoch == 1)
    _ = resumed.trainEpoch(data)
    #expect(weights(resumed) == weights(straight))
    #expect(resumed.optimizer.step == straight.optimizer.step)
}

@Test func trainRunWritesCheckpointsMetricsAndPlots() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("train-run-\(getpid())")
    defer { try? FileManager.default.removeItem(at: dir) }
    let trainer = try tinyTrainer()
    let run = TrainingRun(directory: dir, trainer: trainer, classNames: ["a", "b", "c", "d"], metric: .macroF1, notes: "{}")
    try run.run(train: quadrantData(count: 64, seed: 5), validation: quadrantData(count: 40, seed: 6))
    #expect(TrainingRun.checkpoints(in: dir).map(\.epoch) == [1, 2, 3, 4, 5, 6])
    let lines = try String(contentsOf: run.metricsURL, encoding: .utf8).split(separator: "\n")
    #expect(lines.count == 6)
    for name in ["curves", "confusion-best"] {
        for ext in ["svg", "png"] {
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("plots/\(name).\(ext)").path))
        }
    }
    // A second run object over the same directory resumes after the last epoch and has nothing left to do.
    let again = TrainingRun(directory: dir, trainer: try tinyTrainer(seed: 77), classNames: ["a", "b", "c", "d"],
                            metric: .macroF1, notes: "{}")
    #expect(try again.resume() == 6)
    #expect(again.records.count == 6)
    #expect(weights(again.trainer) == weights(trainer))
}

@Test func trainFERSourceFillsUpscaledImagesAndTargets() throws {
    // Two 48x48 images (a gradient and a flat gray) with hard labels 3 and 6.
    var data = FERDataset()
    let gradient = (0..<FERDataset.pixelsPerImage).map { UInt8($0 % 48 * 5) }
    let flat = [UInt8](repeating: 128, count: FERDataset.pixelsPerImage)
    gradient.withUnsafeBufferPointer { data.append(pixels: $0, label: .fear, usage: .training, sourceRow: 0) }
    flat.withUnsafeBufferPointer { data.append(pixels: $0, label: .sadness, usage: .training, sourceRow: 1) }
    let source = FERSource(data, side: 64, seed: 1)
    #expect(source.sampleShape == Shape3(64, 64, 1) && source.count == 2 && source.label(1) == 6)
    var images = [Float](repeating: -1, count: 2 * 64 * 64), targets = [Float](repeating: -1, count: 16)
    var rng = TrainRandom(seed: 0)
    source.fill(images: &images, targets: &targets, indices: [0, 1], augment: false, epoch: 0, random: &rng)
    #expect(images.allSatisfy { $0 >= 0 && $0 <= 1 })
    #expect(images[64 * 64..<2 * 64 * 64].allSatisfy { abs($0 - 128.0 / 255) < 1e-5 })
    #expect(targets == [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0])
    var augmented = images
    source.fill(images: &augmented, targets: &targets, indices: [0, 1], augment: true, epoch: 3, random: &rng)
    #expect(augmented[0..<4096] != images[0..<4096], "augmentation changes the image")
}
