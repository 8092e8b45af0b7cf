/// A strict parser for the TOML subset of `TOMLValue`, keeping the line of every key so that
/// validation errors can point at it. Works on bytes and is bounds-checked throughout (fuzzed by FuzzConfig).
public struct TOMLParser {
    /// Larger inputs are refused: a config file is a few kilobytes.
    public static let maxBytes = 1 << 20
    /// Deepest array nesting accepted (the parser recurses on arrays).
    public static let maxDepth = 16

    private let bytes: [UInt8]
    private let file: String
    private var i = 0
    private var line = 1

    public static func parse(_ bytes: [UInt8], file: String) throws(ConfigError) -> TOMLDocument {
        var p = TOMLParser(bytes: bytes, file: file)
        return try p.document()
    }

    public static func parse(_ text: String, file: String) throws(ConfigError) -> TOMLDocument {
        try parse(Array(text.utf8), file: file)
    }

    /// Parses a lone value, as given to `--set key=value`.
    public static func parseValue(_ text: String, origin: String) throws(ConfigError) -> TOMLValue {
        var p = TOMLParser(bytes: Array(text.utf8), file: origin)
        p.skipSpaces()
        let v = try p.value(depth: 0)
        p.skipSpaces()
        guard p.i == p.bytes.count else { throw p.fail("unexpected text after the value") }
        return v
    }

    private init(bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
    }

    private func fail(_ message: String) -> ConfigError { ConfigError(file: file, line: line, key: nil, message) }

    private var peek: UInt8? { i < bytes.count ? bytes[i] : nil }
    private func peek(_ offset: Int) -> UInt8? { i + offset < bytes.count ? bytes[i + offset] : nil }

    private mutating func document() throws(ConfigError) -> TOMLDocument {
        guard bytes.count <= Self.maxBytes else { throw fail("file larger than \(Self.maxBytes) bytes") }
        guard String(validating: bytes, as: UTF8.self) != nil else { throw fail("file is not valid UTF-8") }
        var doc = TOMLDocument()
        var current: [String] = []
        var seenKeys: [String: Int] = [:]      // dotted path → line
        var seenTables: [String: Int] = [:]
        while true {
            skipBlank()
            guard let c = peek else { break }
            if c == UInt8(ascii: "[") {
                let headerLine = line
                if peek(1) == UInt8(ascii: "[") { throw fail("arrays of tables ([[...]]) are not supported") }
                i += 1
                skipSpaces()
                let path = try key()
                skipSpaces()
                guard peek == UInt8(ascii: "]") else { throw fail("expected ']' to close the table header") }
                i += 1
                try endOfLine()
                let name = path.joined(separator: ".")
                if let l = seenTables[name] { throw ConfigError(file: file, line: headerLine, key: name, "table defined twice (first at line \(l))") }
                if let l = seenKeys[name] { throw ConfigError(file: file, line: headerLine, key: name, "already a value (line \(l)), cannot be a table") }
                seenTables[name] = headerLine
                doc.tables.append((path, headerLine))
                current = path
            } else {
                let keyLine = line
                let path = current + (try key())
                skipSpaces()
                guard peek == UInt8(ascii: "=") else { throw fail("expected '=' after the key") }
                i += 1
                skipSpaces()
                let v = try value(depth: 0)
                try endOfLine()
                let name = path.joined(separator: ".")
                if let l = seenKeys[name] { throw ConfigError(file: file, line: keyLine, key: name, "key defined twice (first at line \(l))") }
                if let l = seenTables[name] { throw ConfigError(file: file, line: keyLine, key: name, "already a table (line \(l)), cannot be a value") }
                // a value at a.b forbids later keys below a.b, and vice versa
                for k in 1..<path.count {
                    let prefix = path[0..<k].joined(separator: ".")
                    if let l = seenKeys[prefix] { throw ConfigError(file: file, line: keyLine, key: name, "'\(prefix)' is already a value (line \(l))") }
                }
                seenKeys[name] = keyLine
                doc.entries.append(.init(path: path, value: v, line: keyLine))
            }
        }
        for e in doc.entries {
            let name = e.path.joined(separator: ".")
            for (t, l) in seenTables where t.hasPrefix(name + ".") {
                throw ConfigError(file: file, line: l, key: t, "'\(name)' is already a value (line \(e.line))")
            }
        }
        return doc
    }

    // MARK: - lexical helpers

    private mutating func skipSpaces() {
        while let c = peek, c == 0x20 || c == 0x09 { i += 1 }
    }

    /// Spaces, comments and newlines.
    private mutating func skipBlank() {
        while let c = peek {
            if c == 0x20 || c == 0x09 || c == 0x0D { i += 1 } else if c == 0x0A { i += 1; line += 1 } else if c == UInt8(ascii: "#") { skipComment() } else { break }
        }
    }

    private mutating func skipComment() {
        while let c = peek, c != 0x0A { i += 1 }
    }

    private mutating func endOfLine() throws(ConfigError) {
        skipSpaces()
        if peek == UInt8(ascii: "#") { skipComment() }
        if peek == 0x0D && peek(1) == 0x0A { i += 1 }
        guard let c = peek else { return }
        guard c == 0x0A else { throw fail("unexpected '\(Self.show(c))' after the value (one key = value per line)") }
        i += 1
        line += 1
    }

    private static func show(_ c: UInt8) -> String {
        c >= 0x20 && c < 0x7F ? String(UnicodeScalar(c)) : "\\x" + String(c, radix: 16)
    }

    private static func isBare(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x5F || c == 0x2D
    }

    /// A dotted key: bare or quoted parts separated by '.'.
    private mutating func key() throws(ConfigError) -> [String] {
        var parts: [String] = []
        while true {
            skipSpaces()
            guard let c = peek else { throw fail("expected a key") }
            if c == UInt8(ascii: "\"") {
                parts.append(try basicString())
            } else if c == UInt8(ascii: "'") {
                parts.append(try literalString())
            } else {
                let start = i
                while let b = peek, Self.isBare(b) { i += 1 }
                guard i > start else { throw fail("expected a key, found '\(Self.show(c))'") }
                parts.append(String(decoding: bytes[start..<i], as: UTF8.self))
            }
            skipSpaces()
            guard peek == UInt8(ascii: ".") else { return parts }
            i += 1
        }
    }

    // MARK: - values

    private mutating func value(depth: Int) throws(ConfigError) -> TOMLValue {
        guard let c = peek else { throw fail("expected a value") }
        switch c {
        case UInt8(ascii: "\""): return .string(try basicString())
        case UInt8(ascii: "'"): return .string(try literalString())
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "{"): throw fail("inline tables ({...}) are not supported; use a [table]")
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            if match("true") { return .bool(true) }
            if match("false") { return .bool(false) }
            throw fail("expected a value (strings need quotes)")
        default: return try number()
        }
    }

    private mutating func match(_ word: String) -> Bool {
        let w = Array(word.utf8)
        guard i + w.count <= bytes.count, Array(bytes[i..<i + w.count]) == w else { return false }
        if let next = (i + w.count < bytes.count ? bytes[i + w.count] : nil), Self.isBare(next) { return false }
        i += w.count
        return true
    }

    private mutating func array(depth: Int) throws(ConfigError) -> TOMLValue {
        guard depth <= Self.maxDepth else { throw fail("arrays nested deeper than \(Self.maxDepth)") }
        i += 1   // [
        var items: [TOMLValue] = []
        while true {
            skipBlank()
            guard let c = peek else { throw fail("unterminated array") }
            if c == UInt8(ascii: "]") { i += 1; return .array(items) }
            items.append(try value(depth: depth))
            skipBlank()
            guard let d = peek else { throw fail("unterminated array") }
            if d == UInt8(ascii: ",") { i += 1; continue }
            guard d == UInt8(ascii: "]") else { throw fail("expected ',' or ']' in array") }
        }
    }

    private mutating func basicString() throws(ConfigError) -> String {
        if peek(1) == UInt8(ascii: "\"") && peek(2) == UInt8(ascii: "\"") { throw fail("multi-line strings are not supported") }
        i += 1
        var out: [UInt8] = []
        while true {
            guard let c = peek else { throw fail("unterminated string") }
            i += 1
            switch c {
            case UInt8(ascii: "\""): return String(decoding: out, as: UTF8.self)
            case 0x0A, 0x0D: throw fail("unterminated string (newline inside)")
            case UInt8(ascii: "\\"):
                guard let e = peek else { throw fail("unterminated string") }
                i += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"), UInt8(ascii: "U"):
                    let n = e == UInt8(ascii: "u") ? 4 : 8
                    guard i + n <= bytes.count, let v = UInt32(String(decoding: bytes[i..<i + n], as: UTF8.self), radix: 16),
                          let scalar = UnicodeScalar(v) else { throw fail("bad \\\(e == UInt8(ascii: "u") ? "u" : "U") escape") }
                    i += n
                    out.append(contentsOf: Array(String(scalar).utf8))
                default: throw fail("unknown escape '\\\(Self.show(e))'")
                }
            default:
                if c < 0x20 && c != 0x09 || c == 0x7F { throw fail("control character in string") }
                out.append(c)
            }
        }
    }

    private mutating func literalString() throws(ConfigError) -> String {
        if peek(1) == UInt8(ascii: "'") && peek(2) == UInt8(ascii: "'") { throw fail("multi-line strings are not supported") }
        i += 1
        let start = i
        while let c = peek, c != UInt8(ascii: "'") {
            if c == 0x0A || c == 0x0D { throw fail("unterminated string (newline inside)") }
            if c < 0x20 && c != 0x09 || c == 0x7F { throw fail("control character in string") }
            i += 1
        }
        guard peek != nil else { throw fail("unterminated string") }
        i += 1
        return String(decoding: bytes[start..<i - 1], as: UTF8.self)
    }

    /// Integers (decimal with '_' between digits, 0x/0o/0b) and floats (fraction/exponent, inf, nan).
    private mutating func number() throws(ConfigError) -> TOMLValue {
        let start = i
        while let c = peek, Self.isBare(c) || c == UInt8(ascii: "+") || c == UInt8(ascii: ".") || c == UInt8(ascii: ":") {
            // '+'/'-' only at the start or after an exponent marker
            i += 1
        }
        let token = String(decoding: bytes[start..<i], as: UTF8.self)
        guard !token.isEmpty else { throw fail("expected a value, found '\(Self.show(bytes[start]))'") }
        if token.contains(":") || (token.count >= 10 && token.dropFirst(4).first == "-" && token.first?.isNumber == true) {
            throw fail("dates and times are not supported")
        }
        var body = Substring(token)
        var sign = ""
        if body.first == "+" || body.first == "-" { sign = String(body.removeFirst()) }
        switch body {
        case "inf": return .float(sign == "-" ? -.infinity : .infinity)
        case "nan": return .float(.nan)
        default: break
        }
        for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where body.hasPrefix(prefix) {
            guard sign.isEmpty else { throw fail("'\(token)': a sign is not allowed on \(prefix) integers") }
            let digits = try underscores(body.dropFirst(2), token)
            guard let v = Int64(digits, radix: radix) else { throw fail("'\(token)' is not a valid integer (or is out of 64-bit range)") }
            return .integer(v)
        }
        let plain = try underscores(body, token)
        guard let first = plain.first, first.isASCII, first.isNumber else { throw fail("expected a value, found '\(token)' (strings need quotes)") }
        if plain.count > 1 && first == "0" && plain.dropFirst().first?.isNumber == true { throw fail("'\(token)': leading zeros are not allowed") }
        if plain.allSatisfy({ $0.isASCII && $0.isNumber }) {
            guard let v = Int64(sign + plain) else { throw fail("'\(token)' is out of 64-bit integer range") }
            return .integer(v)
        }
        // float: digits [. digits] [e [+-] digits]
        let chars = Array(plain)
        var k = 0
        func digits() -> Bool { let s = k; while k < chars.count, chars[k].isASCII, chars[k].isNumber { k += 1 }; return k > s }
        guard digits() else { throw fail("'\(token)' is not a number") }
        if k < chars.count, chars[k] == "." { k += 1; guard digits() else { throw fail("'\(token)': digits must follow '.'") } }
        if k < chars.count, chars[k] == "e" || chars[k] == "E" {
            k += 1
            if k < chars.count, chars[k] == "+" || chars[k] == "-" { k += 1 }
            guard digits() else { throw fail("'\(token)': digits must follow the exponent") }
        }
        guard k == chars.count, let d = Double(sign + plain) else { throw fail("'\(token)' is not a number") }
        return .float(d)
    }

    /// Removes '_' separators, which TOML allows only between two digits.
    private func underscores(_ s: Substring, _ token: String) throws(ConfigError) -> String {
        let c = Array(s)
        var out = ""
        for (k, ch) in c.enumerated() {
            if ch == "_" {
                guard k > 0, k + 1 < c.count, c[k - 1].isHexDigit, c[k + 1].isHexDigit else { throw fail("'\(token)': '_' must sit between digits") }
            } else {
                out.append(ch)
            }
        }
        return out
    }
}
