import Foundation
import Testing
@testable import Dataset

/// Small fixtures the dataset tests build themselves (no dataset file is committed).
enum DatasetFixtures {
    static let votesHeader = "Usage,Image name,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,NF"

    static func hexBytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(hex.utf8.count / 2)
        var it = hex.utf8.makeIterator()
        while let hi = it.next(), let lo = it.next() {
            out.append(UInt8(hexValue(hi) << 4 | hexValue(lo)))
        }
        return out
    }

    private static func hexValue(_ c: UInt8) -> Int {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(c) - 48
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(c) - 87
        default: Int(c) - 55
        }
    }

    /// A deterministic 48x48 image whose pixels encode `seed`, so tests can tell images apart.
    static func pixels(_ seed: Int) -> [UInt8] {
        (0..<2304).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ seed &* 31 &+ ($0 / 48) &* seed) }
    }

    /// A fer2013.csv row.
    static func pixelRow(emotion: Int = 3, seed: Int, usage: String = "Training") -> String {
        "\(emotion),\(pixels(seed).map(String.init).joined(separator: " ")),\(usage)"
    }

    /// A fer2013new.csv row; `votes` in file order (neutral ... NF).
    static func voteRow(_ votes: [Int], usage: String = "Training", name: String = "fer0000000.png") -> String {
        "\(usage),\(name)," + votes.map(String.init).joined(separator: ",")
    }

    /// Loads CSV text pairs from memory.
    static func load(pixels: String, votes: String, mode: LabelMode = .majority) throws(DatasetError) -> LoadedData {
        try FERPlusLoader.load(fer2013: openByteSource(bytes: Array(pixels.utf8), name: "fer2013.csv"),
                               ferplus: openByteSource(bytes: Array(votes.utf8), name: "fer2013new.csv"), labels: mode)
    }

    /// A fresh temporary directory, removed by the caller.
    static func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "edgefer-dataset-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The shared data folder: $EDGEFER_SHARED, else ../shared next to the repository.
    static var sharedDirectory: String {
        if let env = ProcessInfo.processInfo.environment["EDGEFER_SHARED"], !env.isEmpty { return env }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared").path
    }
}
