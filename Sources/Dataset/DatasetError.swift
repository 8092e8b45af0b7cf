/// Bad input to the dataset reader, cache or exporter: says which file, line and column, and what was expected.
public struct DatasetError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What kind of problem it is; tests and callers switch on this.
    public enum Kind: Sendable, Equatable {
        /// The file could not be opened, read or written.
        case io
        /// A gzip stream is corrupt or truncated.
        case gzip
        /// The header line is missing or lacks a required column.
        case header
        /// A row has more or fewer fields than the header.
        case fieldCount
        /// A field's value is malformed or out of range.
        case field
        /// A line exceeds the reader's limit (not a CSV row of this dataset).
        case lineTooLong
        /// The two CSV files have different numbers of rows.
        case rowCount
        /// The two CSV files disagree on a row's `Usage`.
        case usageMismatch
        /// A binary cache file is not one this version wrote, or is corrupt.
        case cache
        /// A caller-supplied setting is invalid (split ratio, multipliers, ...).
        case argument
    }

    public var kind: Kind
    /// The file the problem is in (a path, or a name given to in-memory bytes).
    public var file: String
    /// 1-based physical line (the header is line 1), when the problem is on one line.
    public var line: Int?
    /// The column, e.g. `pixels (column 2), value 17`.
    public var column: String?
    /// What the reader expected there.
    public var expected: String
    /// What it found instead (shortened), if anything.
    public var found: String?

    public init(_ kind: Kind, file: String, line: Int? = nil, column: String? = nil, expected: String, found: String? = nil) {
        self.kind = kind
        self.file = file
        self.line = line
        self.column = column
        self.expected = expected
        self.found = found
    }

    public var description: String {
        var s = file
        if let line { s += ":\(line)" }
        if let column { s += ": \(column)" }
        s += ": expected \(expected)"
        if let found { s += ", found \(found)" }
        return s
    }
}

/// Shows at most `limit` bytes of `bytes` as text for an error message, with control bytes escaped.
func quoted(_ bytes: UnsafeBufferPointer<UInt8>, limit: Int = 40) -> String {
    var s = "\""
    for b in bytes.prefix(limit) {
        if b >= 0x20 && b < 0x7f && b != UInt8(ascii: "\"") { s.unicodeScalars.append(UnicodeScalar(b)) } else {
            s += "\\x" + String(b, radix: 16, uppercase: false).leftPadded(to: 2)
        }
    }
    s += bytes.count > limit ? "\"… (\(bytes.count) bytes)" : "\""
    return s
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
