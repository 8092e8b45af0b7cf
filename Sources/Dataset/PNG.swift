import CZlib
import Imaging

/// A minimal PNG encoder for 8-bit gray images (PNG spec, 2nd ed.: IHDR colour type 0, filter 0
/// per row, one zlib-compressed IDAT, IEND).
public enum PNG {
    /// Encodes `image` as an 8-bit grayscale PNG.
    public static func encode(_ image: GrayImage) -> [UInt8] {
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header: [UInt8] = []
        appendBigEndian(&header, UInt32(image.width))
        appendBigEndian(&header, UInt32(image.height))
        header += [8, 0, 0, 0, 0]  // bit depth 8, gray, deflate, filter method 0, no interlace
        appendChunk(&out, "IHDR", header)
        var raw: [UInt8] = []
        raw.reserveCapacity((image.width + 1) * image.height)
        for y in 0..<image.height {
            raw.append(0)  // filter type None
            raw += image.pixels[y * image.width..<(y + 1) * image.width]
        }
        var size = compressBound(uLong(raw.count))
        var compressed = [UInt8](repeating: 0, count: Int(size))
        let rc = compressed.withUnsafeMutableBufferPointer { dst in
            raw.withUnsafeBufferPointer { compress2(dst.baseAddress, &size, $0.baseAddress, uLong($0.count), 9) }
        }
        // compress2 only fails for a too-small buffer (compressBound rules that out) or no memory.
        precondition(rc == Z_OK, "zlib compress2 failed with \(rc)")
        appendChunk(&out, "IDAT", Array(compressed[..<Int(size)]))
        appendChunk(&out, "IEND", [])
        return out
    }

    private static func appendChunk(_ out: inout [UInt8], _ type: String, _ data: [UInt8]) {
        appendBigEndian(&out, UInt32(data.count))
        let body = Array(type.utf8) + data
        out += body
        let crc = body.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
        appendBigEndian(&out, UInt32(crc))
    }

    private static func appendBigEndian(_ out: inout [UInt8], _ v: UInt32) {
        out += [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)]
    }
}
