import Foundation
import Imaging
import Synchronization

/// Paths the capture tests read: the committed sample frames, found from this file's location,
/// or from `EDGEFER_SAMPLES` / `./samples/faces` (inside the qemu bed the repo is not there).
enum TestPaths {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    static var sampleFaces: String {
        if let env = ProcessInfo.processInfo.environment["EDGEFER_SAMPLES"] { return env }
        let local = FileManager.default.currentDirectoryPath + "/samples/faces"
        if FileManager.default.fileExists(atPath: local) { return local }
        return repoRoot + "/samples/faces"
    }

    static func sampleJPEGs() throws -> [(name: String, bytes: [UInt8])] {
        let dir = sampleFaces
        return try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".jpg") }.sorted()
            .map { ($0, [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/" + $0)))) }
    }

    /// A fresh scratch directory under /tmp, removed by the caller.
    static func scratch() throws -> String {
        let path = NSTemporaryDirectory() + "capture-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// Records every state a source reports through its callback, in order.
final class StateLog: Sendable {
    private let states = Mutex<[String]>([])
    func record(_ name: String) { states.withLock { $0.append(name) } }
    var all: [String] { states.withLock { $0 } }
}
