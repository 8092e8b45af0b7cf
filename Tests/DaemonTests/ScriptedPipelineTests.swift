import Daemon
import Foundation
import Testing
import TestSupport

/// Face scripts (`camera.source = "script:FILE"`): the committed demo script and malformed lines.
@Suite struct ScriptedPipelineTests {
    @Test func committedScriptParses() throws {
        let path = ConfigTests.repoRoot.appendingPathComponent("config/scripted-faces.jsonl").path
        let script = try ScriptedPipeline(path: path, fps: 30)
        #expect(script.labels == FerdConfig.defaultLabels)
        #expect(script.loop)
        #expect(script.segments.count >= 2)
        #expect(script.segments[0].repeatCount == 30 && script.segments[0].faces.count == 1)
        #expect(script.segments[0].faces[0].probabilities.count == 8)
    }

    @Test(arguments: [
        ("{\"repeat\": \"many\"}", "expected a JSON object"),
        ("[1, 2]", "expected a JSON object"),
        ("{\"repeat\": 0}", "\"repeat\" must be 1...1000000"),
        ("{\"camera\": \"on\"}", "\"camera\" must be streaming, no_device or error"),
        ("{\"faces\": [{\"box\": [1, 2, 0, 4], \"p\": [1, 0, 0, 0, 0, 0, 0, 0]}]}", "face \"box\" must be [x, y, width, height] with positive size"),
        ("{\"faces\": [{\"box\": [1, 2, 3, 4], \"p\": [1, 0]}]}", "face \"p\" must hold 8 non-negative probabilities"),
    ])
    func badLineNamesFileLineAndProblem(line: String, message: String) throws {
        let dir = try makeTempDir("script")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("faces.jsonl").path
        try "# a comment\n\n\(line)\n".write(toFile: path, atomically: true, encoding: .utf8)
        let error = #expect(throws: ConfigError.self) { try ScriptedPipeline(path: path, fps: 30) }
        #expect(error?.file == path && error?.line == 3, "\(String(describing: error))")
        #expect(error?.message.hasPrefix(message) == true, "\(String(describing: error))")
    }
}
