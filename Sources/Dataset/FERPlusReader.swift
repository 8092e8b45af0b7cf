/// Streams FERPlus `fer2013new.csv`: header `Usage,Image name,neutral,happiness,surprise,sadness,
/// anger,disgust,fear,contempt,unknown,NF` (columns found by name), then one row of votes per image.
public final class FERPlusReader {
    /// One validated row.
    public struct Row: Sendable {
        public var usage: Usage
        /// False when `Image name` is empty: FERPlus marks rows that are not faces that way.
        public var hasImageName: Bool
        /// Votes in `VoteColumn` order (neutral, happiness, ..., unknown, NF), each a non-negative integer.
        public var votes: [Int]
        /// 1-based physical line in the file.
        public var line: Int
    }

    /// Largest vote count accepted in one column (FERPlus has 10 annotators; this only bounds the arithmetic).
    public static let maxVotes = 1_000_000
    public var file: String { lines.source.name }
    private let lines: LineReader
    private var fields = CSVFields()
    private let header: CSVHeader
    private let usageColumn, nameColumn: Int
    private let voteColumns: [Int]

    public init(_ source: any ByteSource) throws(DatasetError) {
        lines = LineReader(source)
        guard let line = try lines.nextLine() else {
            throw DatasetError(.header, file: source.name, line: 1, expected: "a header line Usage,Image name,neutral,...,NF", found: "an empty file")
        }
        header = try CSVHeader(line, file: source.name, fields: &fields)
        usageColumn = try header.index(of: "Usage", file: source.name)
        nameColumn = try header.index(of: "Image name", file: source.name)
        var columns: [Int] = []
        for v in VoteColumn.allCases { columns.append(try header.index(of: v.header, file: source.name)) }
        voteColumns = columns
    }

    /// Skips the remaining rows without parsing them and returns how many there were (for error messages).
    public func countRemainingRows() throws(DatasetError) -> Int {
        var n = 0
        while try nextRowLine(lines) != nil { n += 1 }
        return n
    }

    /// Reads the next row; nil at the end of the file.
    public func next() throws(DatasetError) -> Row? {
        guard let line = try nextRowLine(lines) else { return nil }
        let number = lines.lineNumber
        try header.splitRow(line, into: &fields, file: file, lineNumber: number)
        let usageField = fields.field(usageColumn, of: line)
        guard let usage = parseUsage(usageField) else {
            throw DatasetError(.field, file: file, line: number, column: header.describe(usageColumn),
                               expected: "Training, PublicTest or PrivateTest", found: quoted(usageField))
        }
        var votes = [Int](repeating: 0, count: voteColumns.count)
        for (k, column) in voteColumns.enumerated() {
            let f = fields.field(column, of: line)
            guard let v = parseInteger(f, maximum: Self.maxVotes) else {
                throw DatasetError(.field, file: file, line: number, column: header.describe(column),
                                   expected: "a vote count, an integer 0-\(Self.maxVotes)", found: quoted(f))
            }
            votes[k] = v
        }
        let hasName = !fields.ranges[nameColumn].isEmpty
        return Row(usage: usage, hasImageName: hasName, votes: votes, line: number)
    }
}
