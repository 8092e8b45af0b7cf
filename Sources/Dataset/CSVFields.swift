/// Splits CSV lines into fields and parses the field types FER-2013 and FERPlus use. Fields may be
/// wrapped in double quotes (no embedded quotes); everything is bounds-checked against the line.
struct CSVFields {
    /// Field byte ranges within the current line (storage reused across lines).
    private(set) var ranges: [Range<Int>] = []

    /// Splits `line`; a quote that does not close right before a comma or the line end is an error.
    mutating func split(_ line: UnsafeBufferPointer<UInt8>, file: String, lineNumber: Int) throws(DatasetError) {
        ranges.removeAll(keepingCapacity: true)
        var i = 0
        let n = line.count
        while true {
            if i < n && line[i] == UInt8(ascii: "\"") {
                var close = i + 1
                while close < n && line[close] != UInt8(ascii: "\"") { close += 1 }
                guard close < n, close + 1 == n || line[close + 1] == UInt8(ascii: ",") else {
                    throw DatasetError(.field, file: file, line: lineNumber, column: "column \(ranges.count + 1)",
                                       expected: "a quoted field closed by a quote before a comma or the line end (no embedded quotes)",
                                       found: quoted(UnsafeBufferPointer(rebasing: line[i...])))
                }
                ranges.append(i + 1..<close)
                i = close + 1
            } else {
                var stop = i
                while stop < n && line[stop] != UInt8(ascii: ",") { stop += 1 }
                ranges.append(i..<stop)
                i = stop
            }
            if i >= n { return }
            i += 1  // past the comma; a trailing comma yields a final empty field
            if i == n { ranges.append(n..<n); return }
        }
    }

    /// The bytes of field `index` of `line`.
    func field(_ index: Int, of line: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: line[ranges[index]])
    }
}

/// Parses a non-negative decimal integer (optionally surrounded by spaces) that must not exceed `maximum`.
func parseInteger(_ field: UnsafeBufferPointer<UInt8>, maximum: Int) -> Int? {
    var i = 0, n = field.count
    while i < n && field[i] == UInt8(ascii: " ") { i += 1 }
    while n > i && field[n - 1] == UInt8(ascii: " ") { n -= 1 }
    guard i < n else { return nil }
    var value = 0
    while i < n {
        let d = Int(field[i]) &- 48
        guard d >= 0 && d <= 9 else { return nil }
        value = value * 10 + d
        guard value <= maximum else { return nil }
        i += 1
    }
    return value
}

/// A header's column names and where the required ones are.
struct CSVHeader {
    let names: [String]

    init(_ line: UnsafeBufferPointer<UInt8>, file: String, fields: inout CSVFields) throws(DatasetError) {
        var body = line
        if body.count >= 3 && body[0] == 0xEF && body[1] == 0xBB && body[2] == 0xBF {
            body = UnsafeBufferPointer(rebasing: body[3...])  // UTF-8 byte-order mark
        }
        try fields.split(body, file: file, lineNumber: 1)
        names = fields.ranges.map { String(decoding: UnsafeBufferPointer(rebasing: body[$0]), as: UTF8.self) }
    }

    /// The index of column `name`, or an error naming the header that lacks it.
    func index(of name: String, file: String) throws(DatasetError) -> Int {
        guard let i = names.firstIndex(of: name) else {
            let found = names.joined(separator: ",")
            throw DatasetError(.header, file: file, line: 1, column: "\"\(name)\"",
                               expected: "a header with a \"\(name)\" column",
                               found: found.count > 120 ? String(found.prefix(120)) + "…" : found)
        }
        return i
    }

    /// Splits a data row and checks it has one field per header column.
    func splitRow(_ line: UnsafeBufferPointer<UInt8>, into fields: inout CSVFields, file: String, lineNumber: Int) throws(DatasetError) {
        try fields.split(line, file: file, lineNumber: lineNumber)
        guard fields.ranges.count == names.count else {
            throw DatasetError(.fieldCount, file: file, line: lineNumber, expected: "\(names.count) comma-separated fields",
                               found: "\(fields.ranges.count)")
        }
    }

    /// How an error names column `index`, e.g. `pixels (column 2)`.
    func describe(_ index: Int) -> String { "\(names[index]) (column \(index + 1))" }
}

/// Parses a `Usage` value.
func parseUsage(_ field: UnsafeBufferPointer<UInt8>) -> Usage? {
    Usage.allCases.first { u in
        let name = u.name.utf8
        return field.count == name.count && field.elementsEqual(name)
    }
}
