/// Streams `fer2013.csv` (plain or gzip): header `emotion,pixels,Usage` (any order, extra columns
/// ignored), then one row per image. Every row is fully validated before it is returned.
public final class FER2013Reader {
    /// One validated row; the pixels went to the caller's buffer.
    public struct Row: Sendable {
        /// The original FER-2013 label, 0-6 (Angry, Disgust, Fear, Happy, Sad, Surprise, Neutral).
        public var emotion: Int
        public var usage: Usage
        /// 1-based physical line in the file.
        public var line: Int
    }

    public static let pixelCount = 48 * 48
    public var file: String { lines.source.name }
    private let lines: LineReader
    private var fields = CSVFields()
    private let header: CSVHeader
    private let emotionColumn, pixelsColumn, usageColumn: Int

    public init(_ source: any ByteSource) throws(DatasetError) {
        lines = LineReader(source)
        guard let line = try lines.nextLine() else {
            throw DatasetError(.header, file: source.name, line: 1, expected: "a header line emotion,pixels,Usage", found: "an empty file")
        }
        header = try CSVHeader(line, file: source.name, fields: &fields)
        emotionColumn = try header.index(of: "emotion", file: source.name)
        pixelsColumn = try header.index(of: "pixels", file: source.name)
        usageColumn = try header.index(of: "Usage", file: source.name)
    }

    /// Reads the next row, writing its 2304 pixels (row-major 48x48) to `pixels`; nil at the end of the file.
    public func next(pixels: UnsafeMutableBufferPointer<UInt8>) throws(DatasetError) -> Row? {
        precondition(pixels.count >= Self.pixelCount, "pixel buffer must hold 2304 bytes")
        guard let line = try nextRowLine(lines) else { return nil }
        let number = lines.lineNumber
        try header.splitRow(line, into: &fields, file: file, lineNumber: number)
        let emotionField = fields.field(emotionColumn, of: line)
        guard let emotion = parseInteger(emotionField, maximum: 6) else {
            throw DatasetError(.field, file: file, line: number, column: header.describe(emotionColumn),
                               expected: "an integer label 0-6", found: quoted(emotionField))
        }
        let usageField = fields.field(usageColumn, of: line)
        guard let usage = parseUsage(usageField) else {
            throw DatasetError(.field, file: file, line: number, column: header.describe(usageColumn),
                               expected: "Training, PublicTest or PrivateTest", found: quoted(usageField))
        }
        try parsePixels(fields.field(pixelsColumn, of: line), into: pixels, line: number)
        return Row(emotion: emotion, usage: usage, line: number)
    }

    /// Skips the remaining rows without parsing them and returns how many there were (for error messages).
    public func countRemainingRows() throws(DatasetError) -> Int {
        var n = 0
        while try nextRowLine(lines) != nil { n += 1 }
        return n
    }

    /// Parses exactly 2304 space-separated integers 0-255.
    private func parsePixels(_ field: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>, line: Int) throws(DatasetError) {
        var count = 0
        var i = 0
        let n = field.count
        // Raw pointers: every access is guarded by `i < n` / `count < pixelCount`; this loop runs
        // over 290 MB of text, and debug builds check buffer subscripts again.
        guard let p = field.baseAddress, let o = out.baseAddress else {
            throw DatasetError(.field, file: file, line: line, column: header.describe(pixelsColumn),
                               expected: "\(Self.pixelCount) space-separated values (48x48)", found: "0")
        }
        let space = UInt8(ascii: " ")
        while true {
            while i < n && p[i] == space { i += 1 }
            if i == n { break }
            let tokenStart = i
            var value = 0
            while i < n && p[i] != space {
                let d = Int(p[i]) &- 48
                guard d >= 0 && d <= 9, value <= 255 else { throw badPixel(field, from: tokenStart, index: count, line: line) }
                value = value &* 10 &+ d
                i += 1
            }
            guard value <= 255 else { throw badPixel(field, from: tokenStart, index: count, line: line) }
            if count < Self.pixelCount { o[count] = UInt8(truncatingIfNeeded: value) }
            count += 1
        }
        guard count == Self.pixelCount else {
            throw DatasetError(.field, file: file, line: line, column: header.describe(pixelsColumn),
                               expected: "\(Self.pixelCount) space-separated values (48x48)", found: "\(count)")
        }
    }

    private func badPixel(_ field: UnsafeBufferPointer<UInt8>, from start: Int, index: Int, line: Int) -> DatasetError {
        DatasetError(.field, file: file, line: line, column: header.describe(pixelsColumn) + ", value \(index + 1)",
                     expected: "an integer 0-255", found: quoted(UnsafeBufferPointer(rebasing: field[start..<tokenEnd(field, from: start)])))
    }

    private func tokenEnd(_ field: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var i = start
        while i < field.count && field[i] != UInt8(ascii: " ") { i += 1 }
        return i
    }
}

/// The next non-empty line; empty lines are allowed only at the end of a file (a trailing newline
/// or two), an empty line followed by more rows is an error.
func nextRowLine(_ lines: LineReader) throws(DatasetError) -> UnsafeBufferPointer<UInt8>? {
    guard let line = try lines.nextLine() else { return nil }
    if !line.isEmpty { return line }
    let blank = lines.lineNumber
    while let more = try lines.nextLine() {
        if !more.isEmpty {
            throw DatasetError(.fieldCount, file: lines.source.name, line: blank, expected: "a row", found: "an empty line")
        }
    }
    return nil
}
