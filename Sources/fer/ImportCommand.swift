import ArgumentParser
import Dataset
import Foundation
import Quantize
import Train

/// `fer import`: a float checkpoint from an int8 TFLite model written by `fer export` (dequantized
/// weights, BN statistics re-measured on training images), so training can go on from a shipped
/// model with `fer train --init-from` when its checkpoint is gone.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Turn an int8 TFLite model written by `fer export` back into a float checkpoint of its spec (for `fer train --init-from`); BN statistics are re-measured on training images.")

    @OptionGroup var data: TrainingDataOptions
    @Option(help: "The model spec the TFLite file was exported from.") var spec: String
    @Option(help: "Output checkpoint file.") var output: String
    @Option(help: "Training images on which BN statistics are measured, in batches of --batch.") var statisticsImages = 4096
    @Option(help: "Batch size of the training that follows (BN statistics are averaged per batch, as training's are).") var batch = 64
    @Option(help: "Draw the images as `fer train --balanced-sampling P` does (else evenly spaced).") var balancedSampling: Float?
    @Flag(help: "Augment the images with random horizontal flips, as `fer train --flip`.") var flip = false
    @Option(help: "Augment the images as `fer train --augment-strength S` (0: unaugmented; use the training run's value).")
    var augmentStrength: Float = 0
    @Option(help: "Seed of the draw and augmentation.") var seed: UInt64 = 1
    @Option(help: "Worker threads.") var threads = 2
    @Argument(help: "int8 TFLite model (exported with --batchnorm depthwise).") var model: String

    func validate() throws {
        try data.validateData()
        guard statisticsImages > 0, threads > 0, batch > 0 else {
            throw ValidationError("--statistics-images, --batch and --threads must be positive")
        }
        if let p = balancedSampling, !(p > 0 && p <= 1) { throw ValidationError("--balanced-sampling must be in (0, 1], got \(p)") }
        guard (0...1).contains(augmentStrength) else { throw ValidationError("--augment-strength must be in [0, 1], got \(augmentStrength)") }
    }

    func run() throws {
        BLASSetup.reexecWithFastKernelsIfNeeded()
        let modelSpec = try loadSpec(spec)
        let bytes: [UInt8]
        do { bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: model))) } catch {
            throw ValidationError("\(model): cannot read: \(error.localizedDescription)")
        }
        let imported = try TFLiteImporter.model(bytes: bytes, spec: modelSpec, path: model)
        imported.setThreads(threads)
        let parts = try data.load()
        guard !parts.train.isEmpty else { throw ValidationError("the training split is empty") }
        // Training's moving statistics come from augmented, sampled batches: measure on such batches
        // so that training starts from the statistics it would keep.
        let augment = flip || augmentStrength > 0
        let augmentation = AugmentationConfig(horizontalFlip: flip).scaled(by: augmentStrength)
        let source = FERSource(parts.train, side: modelSpec.input.height, augmentation: augmentation, seed: seed)
        var random = TrainRandom(seed: seed)
        let picks: [Int]
        if let p = balancedSampling {
            let labels = (0..<source.count).map { source.label($0) }
            picks = Array(ClassBalancedSampler(power: p).order(labels: labels, classCount: source.classCount, random: &random)
                .prefix(statisticsImages))
        } else {
            let step = max(1, source.count / statisticsImages)
            picks = Array(stride(from: 0, to: source.count, by: step).prefix(statisticsImages))
        }
        let images = renderImages(source, indices: picks, augment: augment, random: &random)
        let changes = images.withUnsafeBufferPointer {
            imported.remeasureBatchNormStatistics($0.baseAddress!, count: picks.count, batch: batch)
        }
        var checkpoint = Checkpoint(model: imported, seed: 1)
        checkpoint.notes = "{\"importedFrom\":\"\(model)\",\"statisticsImages\":\(picks.count),\"batch\":\(batch),"
            + "\"flip\":\(flip),\"augmentStrength\":\(augmentStrength)"
            + (balancedSampling.map { ",\"balancedSampling\":\($0)" } ?? "") + "}"
        try checkpoint.write(to: URL(fileURLWithPath: output))
        print(String(format: "wrote %@: %@ as %@, BN statistics from %d %@training images in batches of %d (largest relative change of a BN's function: %.1e)",
                     output, model, spec, picks.count, augment ? "augmented " : "", batch, changes.max() ?? 0))
    }
}
