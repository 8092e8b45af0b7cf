import Foundation

/// Little-endian writer for the checkpoint format.
struct ByteWriter {
    var bytes: [UInt8] = []
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
    mutating func string(_ s: String) {
        let utf8 = Array(s.utf8)
        u32(UInt32(utf8.count))
        bytes += utf8
    }
    mutating func floats(_ p: UnsafePointer<Float>, _ count: Int) {
        u64(UInt64(count))
        for i in 0..<count { u32(p[i].bitPattern) }
    }
}

/// Bounds-checked little-endian reader; every read names the field it was reading.
struct ByteReader {
    let bytes: [UInt8]
    var offset = 0
    let path: String

    init(_ bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.path = path
    }

    mutating func take(_ n: Int, _ field: String) throws(CheckpointError) -> ArraySlice<UInt8> {
        guard n >= 0, n <= bytes.count - offset else {
            throw .truncated(path: path, field: field, offset: offset)
        }
        defer { offset += n }
        return bytes[offset..<offset + n]
    }

    mutating func u32(_ field: String) throws(CheckpointError) -> UInt32 {
        let s = try take(4, field)
        return s.reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func u64(_ field: String) throws(CheckpointError) -> UInt64 {
        let s = try take(8, field)
        return s.reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    mutating func string(_ field: String, limit: Int = 1 << 20) throws(CheckpointError) -> String {
        let n = Int(try u32("\(field) length"))
        guard n <= limit else { throw .badValue(path: path, field: field, reason: "length \(n) over \(limit)") }
        guard let s = String(validating: try take(n, field), as: UTF8.self) else {
            throw .badValue(path: path, field: field, reason: "not UTF-8")
        }
        return s
    }

    mutating func floats(_ field: String) throws(CheckpointError) -> [Float] {
        let n = try u64("\(field) count")
        guard n <= UInt64(bytes.count - offset) / 4 else { throw .truncated(path: path, field: field, offset: offset) }
        let raw = try take(Int(n) * 4, field)
        var out = [Float](repeating: 0, count: Int(n))
        var i = raw.startIndex
        for k in 0..<Int(n) {
            let v = UInt32(raw[i]) | UInt32(raw[i + 1]) << 8 | UInt32(raw[i + 2]) << 16 | UInt32(raw[i + 3]) << 24
            out[k] = Float(bitPattern: v)
            i += 4
        }
        return out
    }
}

/// CRC-32 (ISO-HDLC, the polynomial PNG and zlib use), table-driven.
public enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    public static func checksum<C: Collection>(_ bytes: C, initial: UInt32 = 0) -> UInt32 where C.Element == UInt8 {
        var c = ~initial
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return ~c
    }
}
