import Foundation
import Imaging

/// Paths to the read-only shared data (`../shared` beside the repository, or $EDGEFER_SHARED)
/// and the system cascades (Debian opencv-data).
enum SharedData {
    static let root: String = {
        if let env = ProcessInfo.processInfo.environment["EDGEFER_SHARED"] { return env }
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return repo.deletingLastPathComponent().appendingPathComponent("shared").path
    }()
    static let haar = root + "/conformance/haar"
    static let cascades = "/usr/share/opencv4/haarcascades"
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden").path

    static func json(_ path: String) throws -> Any {
        try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// A conformance photo as OpenCV saw it: RGB decode, then BGR2GRAY's integer formula.
    static func gray(_ image: String) throws -> GrayImage {
        let data = try Data(contentsOf: URL(fileURLWithPath: haar + "/" + image))
        return try JPEG.decodeGray([UInt8](data), conversion: .opencv)
    }

    static func boxes(_ any: Any?) -> [[Int]] {
        (any as? [[Any]] ?? []).map { $0.compactMap { ($0 as? NSNumber)?.intValue } }
    }
}
