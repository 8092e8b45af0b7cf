/// The topic tree of one ferd instance: `<prefix>/<device>/...` (see docs/events.md).
public struct Topics: Sendable, Equatable {
    public let prefix: String
    public let device: String
    public let camera: String

    public init(prefix: String, device: String, camera: String) {
        self.prefix = prefix
        self.device = device
        self.camera = camera
    }

    private var base: String { "\(prefix)/\(device)" }
    /// `online` / `offline`, retained; `offline` is also the last will.
    public var availability: String { "\(base)/available" }
    /// `streaming` / `no_device` / `error`, retained.
    public var cameraStatus: String { "\(base)/\(camera)/status" }
    /// Per-face `new` / `update` / `end` JSON events, not retained.
    public var events: String { "\(base)/\(camera)/events" }
    /// Faces present and dominant emotion, retained JSON.
    public var summary: String { "\(base)/\(camera)/summary" }
    /// Periodic counters, JSON.
    public var stats: String { "\(base)/stats" }

    /// MQTT topic levels must not contain `/`, `+`, `#` or NUL; Home Assistant ids allow `[a-zA-Z0-9_-]`.
    public static func isValidLevel(_ s: String) -> Bool {
        !s.isEmpty && s.unicodeScalars.allSatisfy { ($0.properties.isAlphabetic && $0.isASCII) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" }
    }

    /// `s` reduced to `[a-zA-Z0-9_-]` (other characters become `_`), for defaults built from the hostname.
    public static func sanitized(_ s: String) -> String {
        let out = String(s.unicodeScalars.map { ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-")) ? Character($0) : "_" })
        return out.isEmpty ? "ferd" : out
    }
}
