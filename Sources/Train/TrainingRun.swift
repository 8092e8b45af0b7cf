import Foundation

/// One epoch's record in `metrics.jsonl`.
public struct EpochRecord: Codable, Sendable {
    public var epoch: Int
    public var loss: Float
    public var accuracy: Float
    public var learningRate: Float
    public var imagesPerSecond: Double
    public var seconds: Double
    public var validation: ClassificationMetrics?
}

/// A training run in a directory:
///     checkpoints/epoch-NNN.ckpt   one per epoch (resume picks the latest)
///     metrics.jsonl                one EpochRecord per line
///     best.txt                     the best epoch by the selection metric, with its report
///     plots/curves.{svg,png}, plots/confusion-best.{svg,png}
public final class TrainingRun {
    public let directory: URL
    public let trainer: Trainer
    public let classNames: [String]
    public let metric: SelectionMetric
    public let notes: String
    public private(set) var records: [EpochRecord] = []
    /// Runs before every epoch (e.g. quantization-aware training re-calibrates its activation grids).
    public var beforeEpoch: ((Model) throws -> Void)?

    public init(directory: URL, trainer: Trainer, classNames: [String], metric: SelectionMetric, notes: String) {
        self.directory = directory
        self.trainer = trainer
        self.classNames = classNames
        self.metric = metric
        self.notes = notes
    }

    public var checkpointDirectory: URL { directory.appendingPathComponent("checkpoints") }
    public var metricsURL: URL { directory.appendingPathComponent("metrics.jsonl") }

    public func checkpointURL(epoch: Int) -> URL {
        checkpointDirectory.appendingPathComponent(String(format: "epoch-%03d.ckpt", epoch))
    }

    /// Checkpoint files in the run, by epoch.
    public static func checkpoints(in directory: URL) -> [(epoch: Int, url: URL)] {
        let dir = directory.appendingPathComponent("checkpoints")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.compactMap { name -> (Int, URL)? in
            guard name.hasPrefix("epoch-"), name.hasSuffix(".ckpt"), let e = Int(name.dropFirst(6).dropLast(5)) else { return nil }
            return (e, dir.appendingPathComponent(name))
        }.sorted { $0.0 < $1.0 }
    }

    /// Restores the latest checkpoint, if any; returns its epoch (0 when starting fresh).
    public func resume() throws -> Int {
        guard let last = TrainingRun.checkpoints(in: directory).last else { return 0 }
        let checkpoint = try Checkpoint(contentsOf: last.url)
        try checkpoint.restore(trainer, path: last.url.path)
        records = readRecords().filter { $0.epoch <= checkpoint.epoch }
        return checkpoint.epoch
    }

    /// Trains until `trainer.config.epochs`, checkpointing and evaluating after every epoch.
    public func run(train: any TrainingSource, validation: (any TrainingSource)?,
                    progress: ProgressReporter? = nil) throws {
        try FileManager.default.createDirectory(at: checkpointDirectory, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("plots"), withIntermediateDirectories: true)
        while trainer.epoch < trainer.config.epochs {
            try beforeEpoch?(trainer.model)
            let summary = trainer.trainEpoch(train) { progress?.update($0) }
            try Checkpoint(trainer: trainer, notes: notes).write(to: checkpointURL(epoch: summary.epoch))
            // Quantization-aware runs are judged as the int8 model computes: rounded kernels too.
            let floatKernels = trainer.config.fakeQuantizedKernels ? trainer.model.roundKernelsToInt8() : []
            let metrics = validation.map { evaluate(trainer.model, on: $0, batch: trainer.config.batchSize) }
            trainer.model.restoreKernels(floatKernels)
            let record = EpochRecord(epoch: summary.epoch, loss: summary.loss, accuracy: summary.accuracy,
                                     learningRate: summary.learningRate, imagesPerSecond: summary.imagesPerSecond,
                                     seconds: summary.seconds, validation: metrics)
            records.append(record)
            try writeRecords()
            if let metrics {
                progress?.message(String(format: "epoch %d: val acc %.4f macro-F1 %.4f weighted-F1 %.4f (%.0f s)",
                                         summary.epoch, metrics.accuracy, metrics.macroF1, metrics.weightedF1,
                                         summary.seconds))
            }
            try writeSummary()
        }
    }

    /// The record with the best validation value of `metric` (earliest on ties).
    public static func best(_ records: [EpochRecord], by metric: SelectionMetric) -> EpochRecord? {
        records.filter { $0.validation != nil }.max { a, b in
            let va = a.validation!.value(of: metric), vb = b.validation!.value(of: metric)
            return va < vb || (va == vb && a.epoch > b.epoch)
        }
    }

    func readRecords() -> [EpochRecord] {
        guard let text = try? String(contentsOf: metricsURL, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(EpochRecord.self, from: Data($0.utf8)) }
    }

    func writeRecords() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let lines = try records.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: metricsURL, options: .atomic)
    }

    /// Curves, best epoch and its confusion matrix.
    func writeSummary() throws {
        let plots = directory.appendingPathComponent("plots")
        try TrainingRun.curvesFigure(records).write(to: plots.appendingPathComponent("curves"))
        guard let best = TrainingRun.best(records, by: metric), let m = best.validation else { return }
        try Charts.confusion(m.confusion, classNames: classNames, title: "validation, epoch \(best.epoch)")
            .write(to: plots.appendingPathComponent("confusion-best"))
        let text = "best epoch \(best.epoch) by \(metric.rawValue): \(checkpointURL(epoch: best.epoch).lastPathComponent)\n"
            + m.report(classNames: classNames) + "\n"
        try Data(text.utf8).write(to: directory.appendingPathComponent("best.txt"), options: .atomic)
    }

    /// Training loss, training accuracy and validation accuracy / macro-F1 over epochs.
    public static func curvesFigure(_ records: [EpochRecord]) -> Figure {
        var series: [(String, [Double], RGB)] = [
            ("train loss", records.map { Double($0.loss) }, .red),
            ("train accuracy", records.map { Double($0.accuracy) }, .blue),
        ]
        if records.allSatisfy({ $0.validation != nil }) && !records.isEmpty {
            series.append(("val accuracy", records.map { $0.validation!.accuracy }, .green))
            series.append(("val macro-F1", records.map { $0.validation!.macroF1 }, .orange))
        }
        return Charts.curves(title: "training curves", series: series.map { ($0.0, $0.1, $0.2) }, yLabel: "value")
    }
}
