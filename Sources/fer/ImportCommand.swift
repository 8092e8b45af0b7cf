import ArgumentParser
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
    @Option(help: "Training images (evenly spaced, unaugmented) on which BN statistics are measured.") var statisticsImages = 4096
    @Option(help: "Worker threads.") var threads = 2
    @Argument(help: "int8 TFLite model (exported with --batchnorm depthwise).") var model: String

    func validate() throws {
        try data.validateData()
        guard statisticsImages > 0, threads > 0 else { throw ValidationError("--statistics-images and --threads must be positive") }
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
        let source = FERSource(parts.train, side: modelSpec.input.height, seed: 0)
        let step = max(1, source.count / statisticsImages)
        let picks = Array(stride(from: 0, to: source.count, by: step).prefix(statisticsImages))
        let images = renderImages(source, indices: picks)
        let changes = images.withUnsafeBufferPointer {
            imported.remeasureBatchNormStatistics($0.baseAddress!, count: picks.count)
        }
        var checkpoint = Checkpoint(model: imported, seed: 1)
        checkpoint.notes = "{\"importedFrom\":\"\(model)\",\"statisticsImages\":\(picks.count)}"
        try checkpoint.write(to: URL(fileURLWithPath: output))
        print(String(format: "wrote %@: %@ as %@, BN statistics from %d training images (largest relative change of a BN's function: %.1e)",
                     output, model, spec, picks.count, changes.max() ?? 0))
    }
}
