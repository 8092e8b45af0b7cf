import Foundation
import Imaging
import Testing
@testable import Dataset

/// The binary cache round trip and its corruption checks; PNG and JPEG export.
struct DatasetCacheExportTests {
    typealias F = DatasetFixtures

    static func loaded(_ mode: LabelMode) throws -> LoadedData {
        try F.load(pixels: DatasetCSVTests.goodPixels, votes: DatasetCSVTests.goodVotes, mode: mode)
    }

    @Test(arguments: [LabelMode.majority, .distribution])
    func roundTripsThroughAFile(mode: LabelMode) throws {
        let original = try Self.loaded(mode)
        let dir = F.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try DatasetCache.write(original, to: dir + "/data.cache")
        let back = try DatasetCache.read(from: dir + "/data.cache")
        #expect(back.dataset == original.dataset)
        #expect(back.dropped == original.dropped)
        #expect(back.rowsRead == original.rowsRead && back.labelMode == mode)
    }

    @Test func corruptionIsDetected() throws {
        let bytes = DatasetCache.encode(try Self.loaded(.distribution))
        func decodeError(_ b: [UInt8]) -> DatasetError? {
            #expect(throws: DatasetError.self) { try DatasetCache.decode(b, file: "c.bin") }
        }
        for offset in [0, 9, 20, 40, bytes.count / 2, bytes.count - 1] {
            var b = bytes
            b[offset] ^= 0x40
            let e = decodeError(b)
            #expect(e?.kind == .cache && e?.file == "c.bin", "flip at \(offset)")
        }
        for length in [0, 5, 12, 50, bytes.count - 1] { #expect(decodeError(Array(bytes[..<length]))?.kind == .cache) }
        #expect(decodeError(bytes + [0])?.kind == .cache)
        var v2 = bytes
        v2[8] = 2
        #expect(decodeError(v2)?.column == "version")
    }

    @Test func pngIsValidAndLossless() throws {
        let image = try Self.loaded(.majority).dataset.image(at: 0)
        let png = PNG.encode(image)
        #expect(Array(png[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        var offset = 8
        var chunks: [(type: String, data: [UInt8])] = []
        while offset < png.count {
            let length = png[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            let body = Array(png[offset + 4..<offset + 8 + length])
            let crc = png[offset + 8 + length..<offset + 12 + length].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            #expect(crc == Self.crc32(body))
            chunks.append((String(decoding: body[0..<4], as: UTF8.self), Array(body[4...])))
            offset += 12 + length
        }
        #expect(chunks.map(\.type) == ["IHDR", "IDAT", "IEND"])
        #expect(chunks[0].data == [0, 0, 0, 48, 0, 0, 0, 48, 8, 0, 0, 0, 0])
        // zlib-inflate the IDAT stream: filter byte 0, then the row.
        let source = try GzipByteSource(MemoryByteSource(chunks[1].data, name: "IDAT"))
        var raw = [UInt8](repeating: 0, count: 49 * 48 + 1)
        var got = 0
        while true {
            let n = try raw.withUnsafeMutableBytes { try source.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[got...])) }
            if n == 0 { break }
            got += n
        }
        #expect(got == 49 * 48)
        for y in 0..<48 {
            #expect(raw[y * 49] == 0)
            #expect(Array(raw[y * 49 + 1..<y * 49 + 49]) == Array(image.pixels[y * 48..<y * 48 + 48]))
        }
    }

    @Test func exportWritesClassFolders() throws {
        let data = try Self.loaded(.argmax).dataset
        let split = try data.split(.usage)
        let dir = F.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try ImageExport.export(split, to: dir + "/png", format: .png) == 3)
        #expect(try ImageExport.export(split, to: dir + "/jpg", format: .jpeg) == 3)
        let fm = FileManager.default
        #expect(fm.fileExists(atPath: dir + "/png/train/happiness/0.png"))
        #expect(fm.fileExists(atPath: dir + "/png/train/neutral/1.png"))
        #expect(fm.fileExists(atPath: dir + "/png/validation/sadness/4.png"))
        let jpeg = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/jpg/validation/sadness/4.jpg")))
        let decoded = try JPEG.decodeGray(jpeg)
        let original = data.image(at: 2)
        #expect(decoded.width == 48 && decoded.height == 48)
        // Quality 95 on a noisy fixture: each pixel within a few levels, mean error small.
        let errors = zip(decoded.pixels, original.pixels).map { abs(Int($0) - Int($1)) }
        #expect(Double(errors.reduce(0, +)) / 2304 < 6)
        // Duplicate rows (oversampled data) get distinct names.
        let over = try Oversampler.oversample(split.validation, multipliers: [Int](repeating: 3, count: 8), seed: 0)
        try ImageExport.export(over, to: dir + "/over", format: .png)
        #expect(Set(try fm.contentsOfDirectory(atPath: dir + "/over/sadness")) == ["4.png", "4-1.png", "4-2.png"])
    }

    /// CRC-32 (IEEE 802.3, reflected 0xEDB88320), written out independently of zlib.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = c & 1 == 1 ? (c >> 1) ^ 0xEDB8_8320 : c >> 1 }
        }
        return c ^ 0xFFFF_FFFF
    }
}
