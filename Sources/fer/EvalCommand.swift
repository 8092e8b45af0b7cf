import ArgumentParser
import Dataset
import Foundation
import Train

/// `fer eval`: evaluates every checkpoint of a run (or given checkpoints) on the validation split.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate every checkpoint of a run on the validation split; pick the best by a metric; write eval.jsonl, eval-best.txt and plots.")

    @OptionGroup var data: TrainingDataOptions
    @Option(name: .customLong("run"), help: "Run directory written by `fer train`.") var runDirectory: String
    @Option(help: "Metric that picks the best checkpoint: accuracy, macro-f1, weighted-f1.") var metric: SelectionMetric = .macroF1
    @Option(help: "Worker threads.") var threads = 2
    @Option(help: "Batch size for inference.") var batch = 256

    func validate() throws {
        try data.validateData()
        guard threads > 0, batch > 0 else { throw ValidationError("--threads and --batch must be positive") }
    }

    func run() throws {
        BLASSetup.reexecWithFastKernelsIfNeeded()
        let dir = URL(fileURLWithPath: runDirectory)
        let checkpoints = TrainingRun.checkpoints(in: dir)
        guard !checkpoints.isEmpty else { throw ValidationError("no checkpoints in \(runDirectory)/checkpoints") }
        let parts = try data.load()
        guard !parts.validation.isEmpty else { throw ValidationError("the validation split is empty") }
        let names = Emotion.allCases.map(\.name)
        var results: [(epoch: Int, metrics: ClassificationMetrics)] = []
        var lines: [String] = []
        for (epoch, url) in checkpoints {
            let model = try Checkpoint(contentsOf: url).makeModel(threads: threads, path: url.path)
            let side = model.inputShape.height
            let m = evaluate(model, on: FERSource(parts.validation, side: side, seed: 0), batch: batch)
            results.append((epoch, m))
            print(String(format: "epoch %3d  acc %.4f  macro-F1 %.4f  weighted-F1 %.4f", epoch, m.accuracy, m.macroF1,
                         m.weightedF1))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let json = String(decoding: try encoder.encode(m), as: UTF8.self)
            lines.append("{\"epoch\":\(epoch),\"checkpoint\":\"\(url.lastPathComponent)\",\"validation\":\(json)}")
        }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: dir.appendingPathComponent("eval.jsonl"))
        let best = results.max { a, b in
            let va = a.metrics.value(of: metric), vb = b.metrics.value(of: metric)
            return va < vb || (va == vb && a.epoch > b.epoch)
        }!
        let report = "best epoch \(best.epoch) by \(metric.rawValue)\n" + best.metrics.report(classNames: names) + "\n"
        print(report, terminator: "")
        try Data(report.utf8).write(to: dir.appendingPathComponent("eval-best.txt"))
        let plots = dir.appendingPathComponent("plots")
        try FileManager.default.createDirectory(at: plots, withIntermediateDirectories: true)
        try Charts.confusion(best.metrics.confusion, classNames: names, title: "validation, epoch \(best.epoch)")
            .write(to: plots.appendingPathComponent("eval-confusion-best"))
        try Charts.curves(title: "validation by checkpoint",
                          series: [("accuracy", results.map { $0.metrics.accuracy }, .green),
                                   ("macro-F1", results.map { $0.metrics.macroF1 }, .orange),
                                   ("weighted-F1", results.map { $0.metrics.weightedF1 }, .blue)],
                          yLabel: "value")
            .write(to: plots.appendingPathComponent("eval-curves"))
    }
}
