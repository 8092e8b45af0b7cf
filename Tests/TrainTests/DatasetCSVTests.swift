import Foundation
import Testing
@testable import Dataset

/// Reading fer2013.csv + fer2013new.csv pairs: good files load, every kind of bad row is an error
/// that names the file, line and column.
struct DatasetCSVTests {
    typealias F = DatasetFixtures

    static let pixelsHeader = "emotion,pixels,Usage"

    /// Five rows: happiness (majority), no majority, unknown, a non-face, sadness in PublicTest.
    static let goodPixels = [pixelsHeader, F.pixelRow(seed: 1), F.pixelRow(seed: 2), F.pixelRow(seed: 3), F.pixelRow(seed: 4),
                             F.pixelRow(seed: 5, usage: "PublicTest")].joined(separator: "\n") + "\n"
    static let goodVotes = [F.votesHeader,
                            F.voteRow([0, 8, 1, 0, 0, 0, 0, 0, 1, 0]),
                            F.voteRow([4, 0, 0, 0, 3, 3, 0, 0, 0, 0]),
                            F.voteRow([1, 2, 0, 0, 0, 0, 0, 0, 7, 0]),
                            F.voteRow([0, 0, 0, 0, 0, 0, 0, 0, 0, 10], name: ""),
                            F.voteRow([1, 0, 0, 6, 1, 0, 1, 0, 1, 0], usage: "PublicTest")].joined(separator: "\n") + "\n"

    @Test func loadsRowAlignedPairAndCountsDrops() throws {
        let data = try F.load(pixels: Self.goodPixels, votes: Self.goodVotes, mode: .majority)
        #expect(data.rowsRead == 5)
        #expect(data.dataset.count == 2)
        #expect(data.dataset.labels == [UInt8(Emotion.happiness.rawValue), UInt8(Emotion.sadness.rawValue)])
        #expect(data.dataset.usages == [.training, .publicTest])
        #expect(data.dataset.sourceRows == [0, 4])
        #expect(Array(data.dataset.pixels(at: 0)) == F.pixels(1))
        #expect(Array(data.dataset.pixels(at: 1)) == F.pixels(5))
        #expect(data.dropped[.training, .noMajority] == 1)
        #expect(data.dropped[.training, .unknownWins] == 1)
        #expect(data.dropped[.training, .notAFace] == 1)
        #expect(data.dropped.total == 3)
        #expect(data.dataset.softTargets == nil)
    }

    @Test func distributionModeKeepsArgmaxRowsWithSoftTargets() throws {
        let data = try F.load(pixels: Self.goodPixels, votes: Self.goodVotes, mode: .distribution)
        // argmax keeps row 0 (happiness), row 1 (neutral 4 wins), row 4 (sadness); drops unknown and the non-face.
        #expect(data.dataset.count == 3)
        #expect(data.dataset.labels == [4, 5, 6])
        let soft = try #require(data.dataset.softTargets)
        let happy: [Float] = [0, 0, 0, 0, Float(8) / 9, 0, 0, Float(1) / 9]
        let neutral: [Float] = [0.3, 0, 0.3, 0, 0, 0.4, 0, 0]
        #expect(Array(soft[0..<8]) == happy)
        #expect(Array(soft[8..<16]) == neutral)
        #expect(data.dropped[.training, .unknownWins] == 1)
        #expect(data.dropped[.training, .notAFace] == 1)
    }

    @Test func readsCRLFQuotedFieldsReorderedColumnsAndGzip() throws {
        let pixels = "Usage,pixels,emotion\r\n" + "\"Training\",\"\(F.pixels(9).map(String.init).joined(separator: " "))\",3\r\n"
        let votes = F.votesHeader + "\r\n" + F.voteRow([0, 9, 0, 0, 0, 0, 0, 0, 1, 0]) + "\r\n"
        let plain = try F.load(pixels: pixels, votes: votes)
        #expect(plain.dataset.count == 1 && Array(plain.dataset.pixels(at: 0)) == F.pixels(9))
        let gz = try FERPlusLoader.load(fer2013: openByteSource(bytes: try gzip(Array(pixels.utf8)), name: "p.csv.gz"),
                                        ferplus: openByteSource(bytes: Array(votes.utf8), name: "v.csv"), labels: .majority)
        #expect(gz.dataset == plain.dataset)
    }

    @Test func gzipReaderHandlesConcatenatedMembersAndRejectsTruncation() throws {
        let text = Array((0..<5000).map { "line \($0)" }.joined(separator: "\n").utf8)
        let twoMembers = try gzip(Array(text[..<2000])) + gzip(Array(text[2000...]))
        #expect(try readAll(openByteSource(bytes: twoMembers, name: "two.gz")) == text)
        let whole = try gzip(text)
        let error = #expect(throws: DatasetError.self) { try readAll(openByteSource(bytes: Array(whole.dropLast(12)), name: "cut.gz")) }
        #expect(error?.kind == .gzip && error?.file == "cut.gz")
        var corrupt = whole
        corrupt[20] ^= 0xff
        corrupt[21] ^= 0xff
        #expect(throws: DatasetError.self) { try readAll(openByteSource(bytes: corrupt, name: "bad.gz")) }
    }

    @Test func readsFilesFromDisk() throws {
        let dir = F.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data(try gzip(Array(Self.goodPixels.utf8))).write(to: URL(fileURLWithPath: dir + "/fer2013.csv.gz"))
        try Self.goodVotes.write(toFile: dir + "/fer2013new.csv", atomically: true, encoding: .utf8)
        let data = try FERPlusLoader.load(fer2013: dir + "/fer2013.csv.gz", ferplus: dir + "/fer2013new.csv", labels: .argmax)
        #expect(data.dataset.count == 3)
        let missing = #expect(throws: DatasetError.self) {
            try FERPlusLoader.load(fer2013: dir + "/nope.csv", ferplus: dir + "/fer2013new.csv", labels: .argmax)
        }
        #expect(missing?.kind == .io && missing?.file == dir + "/nope.csv")
    }

    /// One bad input per case: (pixels file, votes file, expected kind, file, line, column prefix).
    struct BadCase: CustomTestStringConvertible, Sendable {
        var name: String
        var pixels: String
        var votes: String
        var kind: DatasetError.Kind
        var file: String
        var line: Int?
        var column: String?
        var testDescription: String { name }
    }

    static func pixelsWith(_ row: String, at position: Int = 2) -> String {
        var rows = goodPixels.split(separator: "\n").map(String.init)
        rows[position - 1] = row
        return rows.joined(separator: "\n") + "\n"
    }

    static func votesWith(_ row: String, at position: Int = 2) -> String {
        var rows = goodVotes.split(separator: "\n").map(String.init)
        rows[position - 1] = row
        return rows.joined(separator: "\n") + "\n"
    }

    static let pixelValues = F.pixels(1).map(String.init)

    static let badCases: [BadCase] = [
        BadCase(name: "too few pixels", pixels: pixelsWith("3,\(pixelValues.dropLast().joined(separator: " ")),Training", at: 3),
                votes: goodVotes, kind: .field, file: "fer2013.csv", line: 3, column: "pixels (column 2)"),
        BadCase(name: "too many pixels", pixels: pixelsWith("3,\((pixelValues + ["1"]).joined(separator: " ")),Training"),
                votes: goodVotes, kind: .field, file: "fer2013.csv", line: 2, column: "pixels (column 2)"),
        BadCase(name: "pixel over 255", pixels: pixelsWith("3,\((["256"] + pixelValues.dropFirst()).joined(separator: " ")),Training"),
                votes: goodVotes, kind: .field, file: "fer2013.csv", line: 2, column: "pixels (column 2), value 1"),
        BadCase(name: "non-numeric pixel", pixels: pixelsWith("3,\((pixelValues[..<16] + ["1x"] + pixelValues[17...]).joined(separator: " ")),Training"),
                votes: goodVotes, kind: .field, file: "fer2013.csv", line: 2, column: "pixels (column 2), value 17"),
        BadCase(name: "negative pixel", pixels: pixelsWith("3,\((["-1"] + pixelValues.dropFirst()).joined(separator: " ")),Training"),
                votes: goodVotes, kind: .field, file: "fer2013.csv", line: 2, column: "pixels (column 2), value 1"),
        BadCase(name: "emotion out of range", pixels: pixelsWith("7,\(pixelValues.joined(separator: " ")),Training"),
                votes: goodVotes, kind: .field, file: "fer2013.csv", line: 2, column: "emotion (column 1)"),
        BadCase(name: "bad usage", pixels: pixelsWith("3,\(pixelValues.joined(separator: " ")),Train"),
                votes: goodVotes, kind: .field, file: "fer2013.csv", line: 2, column: "Usage (column 3)"),
        BadCase(name: "missing field", pixels: pixelsWith("3,\(pixelValues.joined(separator: " "))", at: 4),
                votes: goodVotes, kind: .fieldCount, file: "fer2013.csv", line: 4, column: nil),
        BadCase(name: "missing pixels column", pixels: "emotion,Usage\n3,Training\n", votes: goodVotes,
                kind: .header, file: "fer2013.csv", line: 1, column: "\"pixels\""),
        BadCase(name: "empty pixels file", pixels: "", votes: goodVotes, kind: .header, file: "fer2013.csv", line: 1, column: nil),
        BadCase(name: "unclosed quote", pixels: pixelsWith("3,\"\(pixelValues.joined(separator: " ")),Training"),
                votes: goodVotes, kind: .field, file: "fer2013.csv", line: 2, column: "column 2"),
        BadCase(name: "blank line inside", pixels: pixelsWith("", at: 3), votes: goodVotes,
                kind: .fieldCount, file: "fer2013.csv", line: 3, column: nil),
        BadCase(name: "fractional vote", pixels: goodPixels, votes: votesWith("Training,x.png,0,8.0,1,0,0,0,0,0,1,0", at: 5),
                kind: .field, file: "fer2013new.csv", line: 5, column: "happiness (column 4)"),
        BadCase(name: "negative vote", pixels: goodPixels, votes: votesWith("Training,x.png,0,8,1,0,0,0,0,0,1,-1"),
                kind: .field, file: "fer2013new.csv", line: 2, column: "NF (column 12)"),
        BadCase(name: "votes missing a column", pixels: goodPixels, votes: votesWith("Training,x.png,0,8,1,0,0,0,0,0,1"),
                kind: .fieldCount, file: "fer2013new.csv", line: 2, column: nil),
        BadCase(name: "votes header without contempt", pixels: goodPixels,
                votes: "Usage,Image name,neutral,happiness,surprise,sadness,anger,disgust,fear,unknown,NF\n",
                kind: .header, file: "fer2013new.csv", line: 1, column: "\"contempt\""),
        BadCase(name: "usage mismatch", pixels: goodPixels, votes: votesWith(F.voteRow([0, 8, 1, 0, 0, 0, 0, 0, 1, 0], usage: "PublicTest"), at: 3),
                kind: .usageMismatch, file: "fer2013new.csv", line: 3, column: "Usage"),
        BadCase(name: "votes file shorter", pixels: goodPixels, votes: goodVotes.split(separator: "\n").dropLast().joined(separator: "\n"),
                kind: .rowCount, file: "fer2013new.csv", line: nil, column: nil),
        BadCase(name: "pixels file shorter", pixels: goodPixels.split(separator: "\n").dropLast(2).joined(separator: "\n"), votes: goodVotes,
                kind: .rowCount, file: "fer2013new.csv", line: nil, column: nil),
    ]

    @Test(arguments: badCases)
    func badInputIsAnErrorNamingFileLineAndColumn(_ c: BadCase) throws {
        let error = #expect(throws: DatasetError.self) { try F.load(pixels: c.pixels, votes: c.votes) }
        #expect(error?.kind == c.kind)
        #expect(error?.file == c.file)
        #expect(error?.line == c.line)
        if let column = c.column { #expect(error?.column?.hasPrefix(column) == true, "column: \(error?.column ?? "nil")") }
        #expect(error?.expected.isEmpty == false)
        #expect(error.map { "\($0)" }?.contains(c.file) == true)
    }

    @Test func rowCountErrorGivesBothCounts() {
        let votes = Self.goodVotes + F.voteRow([0, 8, 1, 0, 0, 0, 0, 0, 1, 0]) + "\n" + F.voteRow([0, 8, 1, 0, 0, 0, 0, 0, 1, 0]) + "\n"
        let error = #expect(throws: DatasetError.self) { try F.load(pixels: Self.goodPixels, votes: votes) }
        #expect(error?.expected == "as many data rows as fer2013.csv (5)")
        #expect(error?.found == "7")
    }

    @Test func overlongLineIsAnError() {
        let line = String(repeating: "1 ", count: 600_000)
        let error = #expect(throws: DatasetError.self) { try F.load(pixels: "emotion,pixels,Usage\n3,\(line),Training\n", votes: Self.goodVotes) }
        #expect(error?.kind == .lineTooLong && error?.line == 2)
    }

    @Test func lineReaderSplitsAcrossChunkBoundaries() throws {
        let lines = (0..<300).map { String(repeating: "x", count: $0 % 37) + "\($0)" }
        let text = Array((lines.joined(separator: "\r\n") + "\n").utf8)
        let reader = LineReader(MemoryByteSource(text, name: "t"), chunkBytes: 16)
        var got: [String] = []
        while let l = try reader.nextLine() { got.append(String(decoding: l, as: UTF8.self)) }
        #expect(got.count == lines.count)
        #expect(got.firstIndex { !lines.contains($0) } == nil)
        #expect(got == lines)
        #expect(reader.lineNumber == 300)
    }

    /// gzip bytes made by the system's gzip, an independent encoder.
    func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
        let dir = F.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/in"))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/gzip")
        p.arguments = ["-n", "-9", dir + "/in"]
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/in.gz")))
    }

    func readAll(_ source: any ByteSource) throws -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 777)
        while true {
            let n = try chunk.withUnsafeMutableBytes { try source.read(into: $0) }
            if n == 0 { return out }
            out += chunk[..<n]
        }
    }
}
