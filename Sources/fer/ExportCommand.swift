import ArgumentParser
import Dataset
import Foundation
import Quantize
import Train

/// `fer export`: quantizes a training checkpoint to a full-int8 TFLite model (calibrated on
/// validation images) with labels and preprocessing metadata; optionally evaluates float and int8.
extension BatchNormExport: ExpressibleByArgument {}
extension CalibrationMethod: ExpressibleByArgument {}

/// Which split's images calibrate an export's activation ranges.
enum CalibrationSplit: String, ExpressibleByArgument, CaseIterable {
    case validation, training
}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Quantize a checkpoint to an int8 TFLite model calibrated on validation images; --evaluate compares float and int8 on the validation split.")

    @OptionGroup var data: TrainingDataOptions
    @Option(help: "Checkpoint file written by `fer train` (RUN/checkpoints/epoch-NNN.ckpt).") var checkpoint: String
    @Option(help: "Output .tflite file.") var output: String
    @Option(help: "Number of validation images used to calibrate activation ranges (evenly spaced over the split).")
    var calibration = 1000
    @Option(help: "Split whose images calibrate the ranges: validation (PublicTest with --split usage) or training (the images a quantization-aware run calibrates on).")
    var calibrationSplit: CalibrationSplit = .validation
    @Option(help: "Face-box margin (fraction per side) recorded in the metadata for the daemon's crop.") var cropMargin: Float = 0
    @Flag(help: "Evaluate the float checkpoint and the int8 model on the validation split.") var evaluate = false
    @Option(help: "With --evaluate: write metrics JSON and confusion plots (SVG+PNG) to this folder.") var reportDir: String?
    @Option(help: "Worker threads for float evaluation.") var threads = 2
    @Option(help: "Logit adjustment: subtract TAU · ln(training prior of the class) from the last layer's biases, trading accuracy on common classes for recall on rare ones (0 = off).")
    var logitAdjustment: Float = 0
    @Option(help: "Operators for a BatchNorm after ReLU: depthwise (one 1x1 DEPTHWISE_CONV_2D, per-channel) or mul-add (MUL + ADD, as TensorFlow's converter).")
    var batchnorm: BatchNormExport = .depthwise
    @Option(help: "Activation ranges from calibration: mse (clipping with the least squared error; a second pass), minmax (TFLite's converter) or percentile:P (keep P% of nonzero values per side).")
    var ranges: CalibrationMethod = .mse

    func validate() throws {
        try data.validateData()
        guard calibration > 0, threads > 0 else { throw ValidationError("--calibration and --threads must be positive") }
        guard (0...2).contains(cropMargin) else { throw ValidationError("--crop-margin must be in 0...2") }
        guard (0...4).contains(logitAdjustment) else { throw ValidationError("--logit-adjustment must be in 0...4") }
    }

    func run() throws {
        BLASSetup.reexecWithFastKernelsIfNeeded()
        let url = URL(fileURLWithPath: checkpoint)
        let ckpt = try Checkpoint(contentsOf: url)
        let model = try ckpt.makeModel(threads: threads, path: checkpoint)
        if ckpt.notes.contains("\"quantizationAware\":true") {
            // The network such a run trained is the one with int8-rounded kernels (its float kernels
            // are the optimizer's shadow copy): evaluate that as the float model. The int8 export is
            // the same either way.
            model.roundKernelsToInt8()
            print("quantization-aware checkpoint: kernels rounded to per-channel int8 before evaluation and export")
        }
        let parts = try data.load()
        guard !parts.validation.isEmpty else { throw ValidationError("the validation split is empty") }
        if logitAdjustment > 0 { try adjustLogits(model, prior: parts.train.classCounts) }
        let side = model.inputShape.height
        let source = FERSource(parts.validation, side: side, seed: 0)
        let calibrationSource = calibrationSplit == .training ? FERSource(parts.train, side: side, seed: 0) : source
        let step = max(1, calibrationSource.count / calibration)
        let picks = Array(stride(from: 0, to: calibrationSource.count, by: step).prefix(calibration))
        let calibrationImages = renderImages(calibrationSource, indices: picks)
        let start = Date()
        let names = Emotion.allCases.map(\.name)
        let export = try calibrationImages.withUnsafeBufferPointer {
            try Quantizer.export(model, calibration: $0, count: picks.count, labels: names, cropMargin: cropMargin, batchNorm: batchnorm, ranges: ranges,
                                 description: "EdgeFER facial-expression classifier, int8, from \(url.deletingLastPathComponent().deletingLastPathComponent().lastPathComponent)/\(url.lastPathComponent)"
                                     + (logitAdjustment > 0 ? ", logit adjustment \(logitAdjustment)" : ""))
        }
        try Data(export.bytes).write(to: URL(fileURLWithPath: output))
        print(String(format: "wrote %@ (%d bytes, %d operators) calibrated on %d %@ images in %.1f s", output, export.bytes.count,
                     export.model.subgraphs[0].operators.count, picks.count, calibrationSplit == .training ? "training" : data.split == .usage ? "PublicTest" : "validation",
                     Date().timeIntervalSince(start)))
        guard evaluate else { return }
        let floatMetrics = Train.evaluate(model, on: source, batch: 256)
        let int8Metrics = try evaluateTFLite(export.bytes, on: parts.validation)
        print("float (checkpoint):\n" + floatMetrics.report(classNames: names))
        print("int8 (\(output)):\n" + int8Metrics.report(classNames: names))
        print(String(format: "int8 - float: accuracy %+.2f points, macro-F1 %+.4f", 100 * (int8Metrics.accuracy - floatMetrics.accuracy),
                     int8Metrics.macroF1 - floatMetrics.macroF1))
        if let reportDir {
            try writeReport(floatMetrics, named: "float", to: reportDir, title: "float, \(url.lastPathComponent)")
            try writeReport(int8Metrics, named: "int8", to: reportDir, title: "int8, \(URL(fileURLWithPath: output).lastPathComponent)")
        }
    }
}

extension ExportCommand {
    /// Logit adjustment (Menon et al., 2021): the last dense layer's bias of class c loses
    /// τ·ln(p_c), p_c the class's share of the training split, so the arg-max no longer favours
    /// classes for being common. Baked into the weights: float and int8 evaluation both see it.
    func adjustLogits(_ model: Model, prior counts: [Int]) throws {
        guard let last = model.layers.last(where: { $0 is DenseLayer }) as? DenseLayer else {
            throw ValidationError("--logit-adjustment: the model has no dense layer")
        }
        let total = counts.reduce(0, +)
        guard last.bias.count == counts.count, total > 0, counts.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("--logit-adjustment: needs \(last.bias.count) classes, each present in the training split (counts \(counts))")
        }
        var shifts: [String] = []
        for c in counts.indices {
            let shift = -logitAdjustment * Float(log(Double(counts[c]) / Double(total)))
            last.bias.value.pointer[c] += shift
            shifts.append(String(format: "%+.2f", shift))
        }
        print("logit adjustment \(logitAdjustment): bias shifts \(shifts.joined(separator: " ")) (training counts \(counts))")
    }
}

/// Renders `indices` of a source into one float array (N, H, W, C), values in [0, 1]; unaugmented
/// unless `augment` (then as the source's augmentation draws them).
func renderImages(_ source: FERSource, indices: [Int], augment: Bool = false, random: inout TrainRandom) -> [Float] {
    let s = source.sampleShape.count, c = source.classCount
    var images = [Float](repeating: 0, count: indices.count * s)
    var targets = [Float](repeating: 0, count: indices.count * c)
    images.withUnsafeMutableBufferPointer { im in
        targets.withUnsafeMutableBufferPointer { t in
            source.fill(images: im.baseAddress!, targets: t.baseAddress!, indices: indices[...], augment: augment, epoch: 0,
                        random: &random)
        }
    }
    return images
}

func renderImages(_ source: FERSource, indices: [Int]) -> [Float] {
    var unused = TrainRandom(seed: 0)
    return renderImages(source, indices: indices, random: &unused)
}

/// Metrics of an int8 TFLite classifier (our engine) on a dataset, images rendered at the model's input side.
/// `mirror`: score each image and its horizontal mirror and add the two probability vectors.
func evaluateTFLite(_ bytes: [UInt8], on dataset: FERDataset, mirror: Bool = false) throws -> ClassificationMetrics {
    let classifier = try Int8Classifier(bytes: bytes, maxBatch: 16)
    let side = Int(Double(classifier.inputCount).squareRoot())
    guard side * side == classifier.inputCount else { throw ValidationError("the model input must be square and single-channel") }
    let source = FERSource(dataset, side: side, seed: 0)
    var predictions: [Int] = [], labels: [Int] = []
    let chunk = 256
    var start = 0
    while start < source.count {
        let idx = Array(start..<min(start + chunk, source.count))
        let images = renderImages(source, indices: idx)
        var scores = try images.withUnsafeBufferPointer { try classifier.scores($0, count: idx.count) }
        if mirror {
            var flipped = images
            for row in 0..<(idx.count * side) {
                let base = row * side
                for x in 0..<side { flipped[base + x] = images[base + side - 1 - x] }
            }
            let more = try flipped.withUnsafeBufferPointer { try classifier.scores($0, count: idx.count) }
            for k in scores.indices { scores[k] += more[k] }
        }
        for r in 0..<idx.count {
            var best = 0
            for j in 1..<classifier.classes where scores[r * classifier.classes + j] > scores[r * classifier.classes + best] { best = j }
            predictions.append(best)
            labels.append(source.label(idx[r]))
        }
        start += chunk
    }
    return ClassificationMetrics(labels: labels, predictions: predictions, classes: classifier.classes)
}

/// metrics-NAME.json, metrics-NAME.txt and confusion-NAME.{svg,png} in `dir`.
func writeReport(_ m: ClassificationMetrics, named name: String, to dir: String, title: String) throws {
    let base = URL(fileURLWithPath: dir)
    try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    try encoder.encode(m).write(to: base.appendingPathComponent("metrics-\(name).json"))
    let names = Emotion.allCases.map(\.name)
    try Data((m.report(classNames: names) + "\n").utf8).write(to: base.appendingPathComponent("metrics-\(name).txt"))
    try Charts.confusion(m.confusion, classNames: names, title: title).write(to: base.appendingPathComponent("confusion-\(name)"))
}
