/// A value of the TOML subset ferd reads (https://toml.io/en/v1.0.0): strings, integers, floats,
/// booleans and arrays of those. Dates, inline tables, arrays of tables and multi-line strings are
/// rejected with a clear error rather than half-supported.
public indirect enum TOMLValue: Sendable, Equatable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case bool(Bool)
    case array([TOMLValue])

    /// The TOML type name, for messages.
    public var typeName: String {
        switch self {
        case .string: return "a string"
        case .integer: return "an integer"
        case .float: return "a float"
        case .bool: return "a boolean"
        case .array: return "an array"
        }
    }

    /// A short rendering for messages.
    public var shortDescription: String {
        switch self {
        case .string(let s): return "\"\(s.count > 40 ? String(s.prefix(40)) + "…" : s)\""
        case .integer(let i): return String(i)
        case .float(let d): return String(d)
        case .bool(let b): return String(b)
        case .array(let a): return "[\(a.count) items]"
        }
    }
}

/// A parsed document: every `key = value` with its full dotted path and line, and every `[table]` header.
public struct TOMLDocument: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var path: [String]
        public var value: TOMLValue
        public var line: Int
    }
    public var entries: [Entry] = []
    /// Table headers as written (`[mqtt.tls]` → ["mqtt", "tls"]) with their lines.
    public var tables: [(path: [String], line: Int)] = []

    public static func == (a: TOMLDocument, b: TOMLDocument) -> Bool {
        a.entries == b.entries && a.tables.map(\.path) == b.tables.map(\.path) && a.tables.map(\.line) == b.tables.map(\.line)
    }
}
