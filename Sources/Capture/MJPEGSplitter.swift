/// Splits a stream of concatenated JPEGs (an `.mjpeg` file) into frames by walking the JPEG
/// marker structure (ITU-T T.81 Annex B), not by searching for FFD9, so a thumbnail inside an
/// APP1 segment does not end a frame early. Every index is bounds-checked.
public enum MJPEGSplitter {
    public struct Result: Sendable, Equatable {
        /// Byte ranges of complete frames, SOI through EOI.
        public var frames: [Range<Int>]
        /// Bytes outside any complete frame (garbage between frames, malformed frames).
        public var skippedBytes: Int
        /// Offset of an incomplete frame at the end of the data (a recording cut short), if any.
        public var truncatedTailOffset: Int?
    }

    public static func split(_ d: [UInt8]) -> Result {
        var frames: [Range<Int>] = []
        var skipped = 0
        var i = 0
        let n = d.count
        while i + 1 < n {
            guard d[i] == 0xFF, d[i + 1] == 0xD8 else { i += 1; skipped += 1; continue }
            switch frameEnd(d, from: i) {
            case .end(let e):
                frames.append(i..<e)
                i = e
            case .truncated:
                return Result(frames: frames, skippedBytes: skipped + (n - i), truncatedTailOffset: i)
            case .malformed:
                // Not a real frame start: resynchronise at the next SOI.
                i += 2
                skipped += 2
            }
        }
        skipped += n - i
        return Result(frames: frames, skippedBytes: skipped, truncatedTailOffset: nil)
    }

    private enum Walk { case end(Int), truncated, malformed }

    /// Walks the segments of the JPEG starting with SOI at `start` to just past its EOI.
    private static func frameEnd(_ d: [UInt8], from start: Int) -> Walk {
        let n = d.count
        var p = start + 2
        while true {
            guard p < n else { return .truncated }
            guard d[p] == 0xFF else { return .malformed }
            while p < n && d[p] == 0xFF { p += 1 }  // fill bytes before a marker
            guard p < n else { return .truncated }
            let marker = d[p]
            p += 1
            switch marker {
            case 0xD9: return .end(p)                       // EOI
            case 0xD8, 0x00: return .malformed             // SOI inside a frame; stuffed zero outside a scan
            case 0x01, 0xD0...0xD7: continue               // TEM, RSTn: no length
            default: break
            }
            guard p + 1 < n else { return .truncated }
            let length = Int(d[p]) << 8 | Int(d[p + 1])
            guard length >= 2 else { return .malformed }
            guard p + length <= n else { return .truncated }
            p += length
            guard marker == 0xDA else { continue }          // SOS: entropy-coded data follows
            while true {
                guard p + 1 < n else { return .truncated }
                if d[p] != 0xFF { p += 1; continue }
                let next = d[p + 1]
                if next == 0x00 || (0xD0...0xD7).contains(next) { p += 2; continue }  // stuffing, restart
                if next == 0xFF { p += 1; continue }                                    // fill
                break                                                                   // a marker ends the scan
            }
        }
    }
}
