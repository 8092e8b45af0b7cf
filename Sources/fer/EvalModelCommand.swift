import ArgumentParser
import Dataset
import Foundation
import Train

extension Usage: ExpressibleByArgument {
    public init?(argument: String) {
        guard let u = Usage.allCases.first(where: { $0.name.lowercased() == argument.lowercased() }) else { return nil }
        self = u
    }
    public static var allValueStrings: [String] { allCases.map(\.name) }
    public var defaultValueDescription: String { name }
}

/// `fer eval-model`: scores an int8 TFLite model (our engine) on one official split of a CSV pair,
/// e.g. the PrivateTest rows of the full FER-2013 file.
struct EvalModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval-model",
        abstract: "Evaluate an int8 TFLite model on the Training, PublicTest or PrivateTest rows of fer2013.csv(.gz) + fer2013new.csv.")

    @Option(help: "The .tflite model.") var model: String
    @Option(help: "FER-2013 pixels: fer2013.csv or fer2013.csv.gz.") var fer2013: String
    @Option(help: "FERPlus votes: fer2013new.csv (row-aligned with --fer2013).") var ferplus: String
    @Option(help: "Label mode of the ground truth: majority (FERPlus protocol), argmax or distribution.") var labels: LabelMode = .majority
    @Option(help: "Rows to score: Training, PublicTest or PrivateTest.") var usage: Usage = .publicTest
    @Flag(help: "Also score each face's horizontal mirror and average the two (test-time mirroring; measures what mirroring would add).")
    var mirror = false
    @Option(help: "Write metrics JSON/text and a confusion plot (SVG+PNG) to this folder.") var reportDir: String?

    func run() throws {
        guard let data = FileManager.default.contents(atPath: model) else { throw ValidationError("cannot read --model \(model)") }
        let bytes = [UInt8](data)
        let loaded = try FERPlusLoader.load(fer2013: fer2013, ferplus: ferplus, labels: labels)
        let rows = (0..<loaded.dataset.count).filter { loaded.dataset.usages[$0] == usage }
        guard !rows.isEmpty else { throw ValidationError("no \(usage.name) rows kept in \(fer2013) under \(labels.rawValue) labels") }
        let start = Date()
        let m = try evaluateTFLite(bytes, on: loaded.dataset.subset(rows), mirror: mirror)
        print("\(model) on \(rows.count) \(usage.name) images (\(labels.rawValue) labels\(mirror ? ", mirrored average" : "")), \(String(format: "%.1f", Date().timeIntervalSince(start))) s:")
        print(m.report(classNames: Emotion.allCases.map(\.name)))
        if let reportDir { try writeReport(m, named: usage.name, to: reportDir, title: "\(URL(fileURLWithPath: model).lastPathComponent), \(usage.name)") }
    }
}
