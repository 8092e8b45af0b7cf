/// A configuration problem, located: `ferd.toml:12: mqtt.port: expected an integer in 1...65535, got 70000`.
public struct ConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file, or `--set` for a command-line override.
    public var file: String
    public var line: Int?
    public var key: String?
    public var message: String

    public init(file: String, line: Int?, key: String?, _ message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    public var description: String {
        var s = file
        if let line { s += ":\(line)" }
        s += ": "
        if let key { s += "\(key): " }
        return s + message
    }
}
