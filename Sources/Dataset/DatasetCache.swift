import CZlib
import Foundation

/// A binary snapshot of `LoadedData`, so training does not reparse 290 MB of CSV each run.
///
/// Layout (all integers little-endian):
/// ```
/// magic "EFERDATA" (8) | version u32 | label mode u8 | has soft targets u8 | reserved u16
/// count N u64 | rows read u64 | dropped counts u64 x (3 usages x 5 reasons)
/// labels u8 x N | usages u8 x N | source rows i32 x N | pixels u8 x N*2304 | soft f32 x N*8 (if present)
/// CRC-32 (zlib) of everything before it, u32
/// ```
public enum DatasetCache {
    public static let magic = Array("EFERDATA".utf8)
    public static let version: UInt32 = 1

    /// Serialises `data`.
    public static func encode(_ data: LoadedData) -> [UInt8] {
        let d = data.dataset
        var out: [UInt8] = []
        out.reserveCapacity(64 + d.count * (1 + 1 + 4 + FERDataset.pixelsPerImage + (d.hasSoftTargets ? 32 : 0)))
        out += magic
        put(&out, version)
        out.append(UInt8(LabelMode.allCases.firstIndex(of: data.labelMode)!))
        out.append(d.hasSoftTargets ? 1 : 0)
        put(&out, UInt16(0))
        put(&out, UInt64(d.count))
        put(&out, UInt64(data.rowsRead))
        for u in Usage.allCases { for r in DropReason.allCases { put(&out, UInt64(data.dropped[u, r])) } }
        out += d.labels
        out += d.usages.map(\.rawValue)
        for r in d.sourceRows { put(&out, UInt32(bitPattern: r)) }
        out += d.images
        if let soft = d.softTargets { for v in soft { put(&out, v.bitPattern) } }
        put(&out, crc(out[...]))
        return out
    }

    /// Parses bytes written by `encode`; anything else (wrong magic or version, a size that does not
    /// add up, a bad CRC, an out-of-range value) is a `.cache` error naming `file`.
    public static func decode(_ bytes: [UInt8], file: String) throws(DatasetError) -> LoadedData {
        var r = Reader(bytes: bytes, file: file)
        guard bytes.count >= magic.count + 4, Array(bytes[0..<magic.count]) == magic else {
            throw DatasetError(.cache, file: file, column: "magic", expected: "a dataset cache starting with \"EFERDATA\"", found: "other bytes")
        }
        r.offset = magic.count
        let v: UInt32 = try r.get("version")
        guard v == version else { throw DatasetError(.cache, file: file, column: "version", expected: "version \(version)", found: "\(v)") }
        let stored = UInt32(littleEndian: bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: bytes.count - 4, as: UInt32.self) })
        let computed = crc(bytes[..<(bytes.count - 4)])
        guard stored == computed else {
            throw DatasetError(.cache, file: file, column: "CRC-32", expected: String(format: "%08x", computed), found: String(format: "%08x", stored))
        }
        let modeIndex: UInt8 = try r.get("label mode")
        guard Int(modeIndex) < LabelMode.allCases.count else {
            throw DatasetError(.cache, file: file, column: "label mode", expected: "0-\(LabelMode.allCases.count - 1)", found: "\(modeIndex)")
        }
        let hasSoft: UInt8 = try r.get("soft-target flag")
        _ = try r.get("reserved") as UInt16
        let n64: UInt64 = try r.get("count")
        let rowsRead64: UInt64 = try r.get("rows read")
        // Each image takes at least 2310 bytes, so the file size bounds a sane count before any allocation.
        guard n64 <= UInt64(bytes.count / (FERDataset.pixelsPerImage + 6)), rowsRead64 <= UInt64(Int32.max) else {
            throw DatasetError(.cache, file: file, column: "count", expected: "a count that fits the file's \(bytes.count) bytes", found: "\(n64)")
        }
        let n = Int(n64)
        var dropped = DropCounts()
        for u in Usage.allCases {
            for reason in DropReason.allCases {
                let c: UInt64 = try r.get("dropped count")
                guard c <= rowsRead64 else { throw DatasetError(.cache, file: file, column: "dropped count", expected: "at most \(rowsRead64)", found: "\(c)") }
                dropped[u, reason] = Int(c)
            }
        }
        let softBytes = hasSoft != 0 ? n * Emotion.count * 4 : 0
        let payload = n * (1 + 1 + 4 + FERDataset.pixelsPerImage) + softBytes
        guard r.offset + payload + 4 == bytes.count else {
            throw DatasetError(.cache, file: file, column: "size", expected: "\(r.offset + payload + 4) bytes for \(n) images", found: "\(bytes.count)")
        }
        let labels = Array(bytes[r.offset..<r.offset + n])
        r.offset += n
        var usages: [Usage] = []
        usages.reserveCapacity(n)
        for (i, raw) in bytes[r.offset..<r.offset + n].enumerated() {
            guard let u = Usage(rawValue: raw) else { throw DatasetError(.cache, file: file, column: "usage of image \(i)", expected: "0-2", found: "\(raw)") }
            usages.append(u)
        }
        r.offset += n
        var rows = [Int32](repeating: 0, count: n)
        for i in 0..<n { rows[i] = Int32(bitPattern: try r.get("source row")) }
        let images = Array(bytes[r.offset..<r.offset + n * FERDataset.pixelsPerImage])
        r.offset += n * FERDataset.pixelsPerImage
        var soft: [Float]? = nil
        if hasSoft != 0 {
            var s = [Float](repeating: 0, count: n * Emotion.count)
            for i in s.indices { s[i] = Float(bitPattern: try r.get("soft target")) }
            soft = s
        }
        let dataset: FERDataset
        do {
            dataset = try FERDataset(images: images, labels: labels, softTargets: soft, usages: usages, sourceRows: rows)
        } catch {
            throw DatasetError(.cache, file: file, column: error.column, expected: error.expected, found: error.found)
        }
        return LoadedData(dataset: dataset, dropped: dropped, rowsRead: Int(rowsRead64), labelMode: LabelMode.allCases[Int(modeIndex)])
    }

    /// Writes `data` to `path` (through a temporary file renamed into place, so a crash never leaves half a cache).
    public static func write(_ data: LoadedData, to path: String) throws(DatasetError) {
        let tmp = path + ".tmp"
        do {
            try Data(encode(data)).write(to: URL(fileURLWithPath: tmp))
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
            try FileManager.default.moveItem(atPath: tmp, toPath: path)
        } catch {
            throw DatasetError(.io, file: path, expected: "a writable cache file", found: "\(error)")
        }
    }

    /// Reads a cache file written by `write`.
    public static func read(from path: String) throws(DatasetError) -> LoadedData {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DatasetError(.io, file: path, expected: "a readable cache file", found: "nothing")
        }
        return try decode([UInt8](data), file: path)
    }

    private static func put<T: FixedWidthInteger>(_ out: inout [UInt8], _ value: T) {
        withUnsafeBytes(of: value.littleEndian) { out += $0 }
    }

    private static func crc(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.withUnsafeBufferPointer { buf in
            var c = crc32(0, nil, 0)
            var p = buf.baseAddress, left = buf.count
            while left > 0 {
                let n = min(left, 1 << 30)
                c = crc32(c, p, uInt(n))
                p! += n
                left -= n
            }
            return UInt32(c)
        }
    }

    /// A bounds-checked little-endian cursor.
    private struct Reader {
        let bytes: [UInt8]
        let file: String
        var offset = 0

        mutating func get<T: FixedWidthInteger>(_ field: String) throws(DatasetError) -> T {
            let size = MemoryLayout<T>.size
            guard offset + size <= bytes.count else {
                throw DatasetError(.cache, file: file, column: field, expected: "\(size) more bytes at offset \(offset)", found: "end of file")
            }
            let v = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: T.self) }
            offset += size
            return T(littleEndian: v)
        }
    }
}
