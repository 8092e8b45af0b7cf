import ArgumentParser
import Dataset
import Foundation
import Quantize
import Train

extension SelectionMetric: ExpressibleByArgument {}

/// Where the images come from and how they are labelled and split (shared by train and eval).
struct TrainingDataOptions: ParsableArguments {
    @Option(help: "FER-2013 pixels: fer2013.csv or fer2013.csv.gz.") var fer2013: String?
    @Option(help: "FERPlus votes: fer2013new.csv (row-aligned with --fer2013).") var ferplus: String?
    @Option(help: "Read a cache written by `fer data --cache` instead of the CSV files.") var fromCache: String?
    @Option(help: "Label mode: majority, argmax or distribution.") var labels: LabelMode = .majority
    @Option(help: "Label mode of the validation split when it differs from --labels (e.g. train on distribution, select on majority).")
    var validationLabels: LabelMode?
    @Option(help: "usage (train on Training, validate on PublicTest) or random:F (seeded per-class share F in train).",
            transform: { s in
                guard let rule = SplitRule(argument: s) else { throw ValidationError("--split must be usage or random:F") }
                return rule
            })
    var split: SplitRule = .usage
    @Option(help: "Seed of the random split.") var splitSeed: UInt64 = 0
    @Option(help: "Use only the first N training images (smoke runs).") var limitTrain: Int?
    @Option(help: "Use only the first N validation images.") var limitValidation: Int?

    func validateData() throws {
        if fromCache == nil && (fer2013 == nil || ferplus == nil) {
            throw ValidationError("give --fer2013 and --ferplus, or --from-cache")
        }
    }

    /// Loads, labels and splits; applies the limits.
    func load() throws -> DataSplit {
        let loaded = try fromCache.map { try DatasetCache.read(from: $0) }
            ?? FERPlusLoader.load(fer2013: fer2013!, ferplus: ferplus!, labels: labels)
        var parts = try loaded.dataset.split(split, seed: splitSeed)
        if let mode = validationLabels, mode != loaded.labelMode {
            guard let fer2013, let ferplus else { throw ValidationError("--validation-labels needs --fer2013 and --ferplus") }
            parts.validation = try FERPlusLoader.load(fer2013: fer2013, ferplus: ferplus, labels: mode).dataset
                .split(split, seed: splitSeed).validation
        }
        if let n = limitTrain { parts.train = parts.train.subset(Array(0..<min(n, parts.train.count))) }
        if let n = limitValidation { parts.validation = parts.validation.subset(Array(0..<min(n, parts.validation.count))) }
        return parts
    }
}

/// Loads `--spec FILE` or the reference preset.
func loadSpec(_ path: String?) throws -> ModelSpec {
    try path.map { try ModelSpec(contentsOf: URL(fileURLWithPath: $0)) } ?? .reference
}

/// `fer train`: trains a model, checkpointing and evaluating every epoch; resumes a run directory.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model on FER-2013/FERPlus; checkpoints, metrics and plots go to --run DIR (resumed if present).")

    @OptionGroup var data: TrainingDataOptions
    @Option(name: .customLong("run"), help: "Run directory (checkpoints/, metrics.jsonl, best.txt, plots/).") var runDirectory: String
    @Option(help: "Model spec file (default: the reference model, config/models/reference.spec).") var spec: String?
    @Option(help: "Epochs.") var epochs = 50
    @Option(help: "Batch size.") var batch = 256
    @Option(help: "Initial learning rate.") var lr: Float = 1e-3
    @Option(help: "Learning-rate factor applied every --decay-every epochs.") var decay: Float = 0.75
    @Option(help: "Epochs between learning-rate decays.") var decayEvery = 5
    @Option(help: "Loss: focal (reference) or crossentropy (soft-label cross-entropy with distribution labels).")
    var loss = "focal"
    @Option(help: "Oversample training data: reference, balance or 8 comma-separated multipliers.") var oversample: String?
    @Option(help: "Class-balanced sampling instead of one shuffled pass per epoch: class c is drawn in proportion to n_c^(1-P), P in (0, 1] (1: classes equally often, 0.5: square-root); the epoch keeps its size.")
    var balancedSampling: Float?
    @Flag(help: "Random horizontal flips in augmentation (the reference had none).") var flip = false
    @Flag(help: "Turn on-the-fly augmentation off.") var noAugment = false
    @Option(help: "Scale the augmentation ranges (rotation, shift, zoom and brightness) toward none: 1 = the reference's, 0.5 = half; flips unchanged.")
    var augmentStrength: Float = 1
    @Option(help: "Seed for initialization, shuffling, dropout, augmentation and oversampling.") var seed: UInt64 = 1
    @Option(help: "Worker threads.") var threads = 2
    @Option(help: "Metric that picks the best epoch: accuracy, macro-f1, weighted-f1.") var metric: SelectionMetric = .macroF1
    @Option(help: "Start a new run from this checkpoint's weights (same --spec) with a fresh optimizer and the schedule given here (a warm restart); ignored when --run already has checkpoints.")
    var initFrom: String?
    @Flag(help: "Quantization-aware training: forward passes round conv/dense kernels and every activation the int8 export rounds onto its int8 grid (ranges calibrated as `fer export` does, on --qat-calibration training images before each epoch); validation metrics then simulate the int8 model.")
    var quantizationAware = false
    @Option(help: "With --quantization-aware: unaugmented training images (evenly spaced) that calibrate the activation ranges.")
    var qatCalibration = 300

    func validate() throws {
        try data.validateData()
        guard epochs > 0, batch > 0, threads > 0, lr > 0, decayEvery > 0 else {
            throw ValidationError("--epochs, --batch, --threads, --lr and --decay-every must be positive")
        }
        if let p = balancedSampling, !(p > 0 && p <= 1) {
            throw ValidationError("--balanced-sampling must be in (0, 1], got \(p)")
        }
        guard augmentStrength >= 0 && augmentStrength <= 1 else {
            throw ValidationError("--augment-strength must be in [0, 1], got \(augmentStrength)")
        }
        if let initFrom, !FileManager.default.isReadableFile(atPath: initFrom) {
            throw ValidationError("--init-from \(initFrom): no readable checkpoint file there")
        }
        guard qatCalibration > 0 else { throw ValidationError("--qat-calibration must be positive") }
        guard ["focal", "crossentropy"].contains(loss) else { throw ValidationError("--loss must be focal or crossentropy") }
    }

    func run() throws {
        BLASSetup.reexecWithFastKernelsIfNeeded()
        let progress = ProgressReporter()
        let modelSpec = try loadSpec(spec)
        let input = modelSpec.input
        guard input.channels == 1, input.height == input.width else {
            throw ValidationError("the model input must be square and single-channel, got \(input)")
        }
        var parts = try data.load()
        let before = parts.train.classCounts
        if let oversample {
            guard let m = Oversampler.multipliers(argument: oversample, counts: before) else {
                throw ValidationError("--oversample must be reference, balance or 8 comma-separated integers")
            }
            parts.train = try Oversampler.oversample(parts.train, multipliers: m, seed: seed)
        }
        progress.message("train \(parts.train.count) images, validation \(parts.validation.count); model \(input), "
                         + "OpenBLAS \(BLASSetup.coreName), \(threads) threads")
        if let p = balancedSampling {
            let shares = ClassBalancedSampler(power: p).classShares(counts: parts.train.classCounts)
            progress.message("class-balanced sampling \(p): draw shares "
                             + zip(Emotion.allCases, shares).map { "\($0.name) \(String(format: "%.3f", $1))" }.joined(separator: ", "))
        }
        let augmentation = AugmentationConfig(horizontalFlip: flip).scaled(by: augmentStrength)
        if augmentStrength != 1 {
            progress.message("augmentation strength \(augmentStrength): rotation ±\(augmentation.rotationDegrees)°, shift ±\(augmentation.shiftFraction), "
                             + "zoom \(augmentation.zoom), brightness \(augmentation.brightness)")
        }
        var config = TrainConfig()
        config.epochs = epochs
        config.batchSize = batch
        config.schedule = StepDecay(initial: lr, factor: decay, every: decayEvery)
        config.loss = loss == "focal" ? .focal(.reference) : .crossEntropy
        config.seed = seed
        config.threads = threads
        config.augment = !noAugment
        config.sampler = balancedSampling.map { ClassBalancedSampler(power: $0) }
        config.fakeQuantizedKernels = quantizationAware
        let model = try Model(spec: modelSpec, seed: seed, threads: threads)
        let trainer = Trainer(model: model, config: config)
        let dir = URL(fileURLWithPath: runDirectory)
        let notes = "{\"labels\":\"\(data.labels.rawValue)\",\"split\":\"\(data.split)\",\"loss\":\"\(loss)\","
            + "\"oversample\":\"\(oversample ?? "none")\",\"seed\":\(seed),\"batch\":\(batch),\"lr\":\(lr)"
            + (balancedSampling.map { ",\"balancedSampling\":\($0)" } ?? "")
            + (augmentStrength == 1 ? "" : ",\"augmentStrength\":\(augmentStrength)")
            + (initFrom.map { ",\"initFrom\":\"\($0)\"" } ?? "")
            + (quantizationAware ? ",\"quantizationAware\":true,\"qatCalibration\":\(qatCalibration)" : "") + "}"
        let trainingRun = TrainingRun(directory: dir, trainer: trainer, classNames: Emotion.allCases.map(\.name),
                                      metric: metric, notes: notes)
        let resumed = try trainingRun.resume()
        if resumed > 0 {
            progress.message("resumed \(runDirectory) after epoch \(resumed)")
        } else if let initFrom {
            try Checkpoint(contentsOf: URL(fileURLWithPath: initFrom)).warmStart(trainer, path: initFrom)
            progress.message("warm start from \(initFrom)")
        }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("plots"), withIntermediateDirectories: true)
        var groups: [(String, [Int], RGB)] = [("before oversampling", before, .blue)]
        if oversample != nil { groups.append(("after oversampling", parts.train.classCounts, .orange)) }
        try Charts.classCounts(groups.map { ($0.0, $0.1, $0.2) }, classNames: Emotion.allCases.map(\.name),
                               title: "training images per class")
            .write(to: dir.appendingPathComponent("plots/class-counts"))
        if quantizationAware {
            let source = FERSource(parts.train, side: input.height, seed: 0)
            let step = max(1, source.count / qatCalibration)
            let images = renderImages(source, indices: Array(stride(from: 0, to: source.count, by: step).prefix(qatCalibration)))
            trainingRun.beforeEpoch = { model in
                let start = Date()
                model.activationGrids = [:]
                model.activationGrids = try images.withUnsafeBufferPointer {
                    try Quantizer.activationGrids(model, calibration: $0, count: images.count / input.count)
                }
                progress.message(String(format: "quantization-aware: %d activation grids from %d training images (%.0f s)",
                                        model.activationGrids.count, images.count / input.count, Date().timeIntervalSince(start)))
            }
        }
        try trainingRun.run(train: FERSource(parts.train, side: input.height, augmentation: augmentation, seed: seed),
                            validation: parts.validation.isEmpty ? nil : FERSource(parts.validation, side: input.height, seed: seed),
                            progress: progress)
        if let best = TrainingRun.best(trainingRun.records, by: metric), let m = best.validation {
            print("best epoch \(best.epoch) by \(metric.rawValue):")
            print(m.report(classNames: Emotion.allCases.map(\.name)))
        }
    }
}
