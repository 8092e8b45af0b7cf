import Foundation
import Testing
import Inference
import TFLiteModel

/// LiteRT (ai-edge-litert in the repo's .venv, or the python named by EDGEFER_PYTHON) as an
/// oracle: models written by our flatbuffer builder must load and run there too.
enum LiteRT {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A python that imports ai_edge_litert, or nil (the tests below are then skipped).
    static let python: String? = {
        let venv: String = repo.appendingPathComponent(".venv/bin/python").path
        let candidates: [String] = [ProcessInfo.processInfo.environment["EDGEFER_PYTHON"], venv].compactMap { $0 }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) && (try? run($0, ["-c", "import ai_edge_litert.interpreter"])) == 0 }
    }()

    static func run(_ executable: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// LiteRT's reference-kernel outputs for `inputs` (N tensors concatenated).
    static func referenceOutputs(model: [UInt8], inputs: [UInt8]) throws -> [UInt8] {
        let python = try #require(python)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("edgefer-litert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let (m, i, o) = (dir.appendingPathComponent("model.tflite"), dir.appendingPathComponent("in.bin"), dir.appendingPathComponent("out.bin"))
        try Data(model).write(to: m)
        try Data(inputs).write(to: i)
        let status = try run(python, [repo.appendingPathComponent("scripts/litert_reference.py").path, m.path, i.path, o.path])
        try #require(status == 0, "litert_reference.py exited with \(status)")
        return [UInt8](try Data(contentsOf: o))
    }
}

@Test(.enabled(if: LiteRT.python != nil, "needs ai-edge-litert: scripts/venv.sh ai-edge-litert numpy"),
      arguments: ["seed64", "separable_residual", "concat_pad", "pools"])
func rewrittenModelRunsInLiteRT(name: String) throws {
    var model = try Model(bytes: SharedData.bytes("\(name).tflite"))
    RecognitionMetadata(labels: (0..<8).map { "class\($0)" }).attach(to: &model)
    let inputs = try SharedData.bytes("\(name).inputs.bin")
    let outputs = try LiteRT.referenceOutputs(model: model.serialized(), inputs: inputs)
    #expect(outputs == (try SharedData.bytes("\(name).ref.bin")))
}

@Test(.enabled(if: LiteRT.python != nil, "needs ai-edge-litert: scripts/venv.sh ai-edge-litert numpy"))
func builtModelAgreesWithLiteRT() throws {
    let model = tinyConvModel()
    var rng = SplitMix64(seed: 3)
    let inputs = (0..<9 * 16).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    let ours = try Interpreter(model: model, maxBatch: 16).run(inputs, batch: 16)
    #expect(try LiteRT.referenceOutputs(model: model.serialized(), inputs: inputs) == ours)
}
