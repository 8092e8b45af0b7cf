/// Rows a label mode left out, counted per official split and reason.
public struct DropCounts: Sendable, Equatable {
    private var counts = [Int](repeating: 0, count: Usage.allCases.count * DropReason.allCases.count)

    public init() {}

    public subscript(usage: Usage, reason: DropReason) -> Int {
        get { counts[Int(usage.rawValue) * DropReason.allCases.count + reason.rawValue] }
        set { counts[Int(usage.rawValue) * DropReason.allCases.count + reason.rawValue] = newValue }
    }

    /// All rows of `usage` dropped, whatever the reason.
    public func total(_ usage: Usage) -> Int { DropReason.allCases.reduce(0) { $0 + self[usage, $1] } }

    /// All rows dropped.
    public var total: Int { counts.reduce(0, +) }
}

/// FER-2013 images with FERPlus labels, read row-aligned from the two CSV files.
public struct LoadedData: Sendable {
    /// The kept images of every usage, in file order.
    public var dataset: FERDataset
    /// What the label mode dropped.
    public var dropped: DropCounts
    /// Data rows read from each file (header excluded).
    public var rowsRead: Int
    public var labelMode: LabelMode
}

/// Reads `fer2013.csv` (plain or .gz) and FERPlus `fer2013new.csv` in lockstep: row N of one is row N
/// of the other (by position, not by `Image name`). Any malformed row, a row-count difference or a
/// `Usage` disagreement throws an error naming the file, line and column.
public enum FERPlusLoader {
    public static func load(fer2013 pixelsPath: String, ferplus votesPath: String, labels mode: LabelMode) throws(DatasetError) -> LoadedData {
        try load(fer2013: openByteSource(path: pixelsPath), ferplus: openByteSource(path: votesPath), labels: mode)
    }

    public static func load(fer2013 pixelsSource: any ByteSource, ferplus votesSource: any ByteSource, labels mode: LabelMode) throws(DatasetError) -> LoadedData {
        let pixelsReader = try FER2013Reader(pixelsSource)
        let votesReader = try FERPlusReader(votesSource)
        var dataset = FERDataset(withSoftTargets: mode == .distribution)
        var dropped = DropCounts()
        var scratch = [UInt8](repeating: 0, count: FERDataset.pixelsPerImage)
        var row = 0
        while true {
            let pixelRow = try scratch.withUnsafeMutableBufferPointer { (buf) throws(DatasetError) in try pixelsReader.next(pixels: buf) }
            let voteRow = try votesReader.next()
            guard let pixelRow, let voteRow else {
                if pixelRow == nil && voteRow == nil { break }
                let pixelRows = row + (pixelRow == nil ? 0 : 1 + (try pixelsReader.countRemainingRows()))
                let voteRows = row + (voteRow == nil ? 0 : 1 + (try votesReader.countRemainingRows()))
                throw DatasetError(.rowCount, file: votesReader.file,
                                   expected: "as many data rows as \(pixelsReader.file) (\(pixelRows))", found: "\(voteRows)")
            }
            guard pixelRow.usage == voteRow.usage else {
                throw DatasetError(.usageMismatch, file: votesReader.file, line: voteRow.line, column: "Usage",
                                   expected: "\(pixelRow.usage) as in \(pixelsReader.file) line \(pixelRow.line)", found: "\(voteRow.usage)")
            }
            switch mode.decide(votes: voteRow.votes, isFace: voteRow.hasImageName) {
            case .drop(let reason):
                dropped[voteRow.usage, reason] += 1
            case .keep(let emotion, let soft):
                scratch.withUnsafeBufferPointer { px in
                    if let soft {
                        soft.withUnsafeBufferPointer { dataset.append(pixels: px, label: emotion, soft: $0, usage: voteRow.usage, sourceRow: row) }
                    } else {
                        dataset.append(pixels: px, label: emotion, usage: voteRow.usage, sourceRow: row)
                    }
                }
            }
            row += 1
        }
        return LoadedData(dataset: dataset, dropped: dropped, rowsRead: row, labelMode: mode)
    }
}
