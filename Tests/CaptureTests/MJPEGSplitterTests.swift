@testable import Capture
import Imaging
import Testing

/// Splitting concatenated JPEGs by walking markers, on real JPEGs and hostile bytes.
@Suite struct MJPEGSplitterTests {
    @Test func splitsConcatenatedFramesExactlyAndSkipsGarbage() throws {
        let samples = try TestPaths.sampleJPEGs().map(\.bytes)
        var stream: [UInt8] = [0x00, 0x13, 0xFF]
        var expected: [Range<Int>] = []
        for (i, s) in samples.enumerated() {
            expected.append(stream.count..<stream.count + s.count)
            stream += s
            if i == 2 { stream += [0xFF, 0xD8, 0x42, 0x42] }  // a false SOI between frames
        }
        let r = MJPEGSplitter.split(stream)
        #expect(r.frames == expected)
        #expect(r.skippedBytes == 3 + 4)
        #expect(r.truncatedTailOffset == nil)
    }

    @Test func aThumbnailInsideAnAPP1SegmentDoesNotEndTheFrame() throws {
        let outer = try TestPaths.sampleJPEGs()[0].bytes
        let thumb = try JPEG.encode(GrayImage(width: 16, height: 16), quality: 50)
        // Insert an APP1 segment holding a whole JPEG (SOI...EOI) right after the SOI.
        let payload = Array("Exif\0\0".utf8) + thumb
        let length = payload.count + 2
        let app1: [UInt8] = [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
        let frame = Array(outer[0..<2]) + app1 + Array(outer[2...])
        let r = MJPEGSplitter.split(frame + frame)
        #expect(r.frames == [0..<frame.count, frame.count..<2 * frame.count])
        #expect(try JPEG.decodeGray(frame).width == 640)
    }

    @Test func aCutOffLastFrameIsReportedNotReturned() throws {
        let samples = try TestPaths.sampleJPEGs().map(\.bytes)
        for cut in [1, 2, 3, 100, samples[1].count / 2, samples[1].count - 1] {
            let r = MJPEGSplitter.split(samples[0] + samples[1].prefix(cut))
            #expect(r.frames == [0..<samples[0].count], "cut \(cut)")
            #expect(r.truncatedTailOffset == (cut >= 2 ? samples[0].count : nil), "cut \(cut)")
        }
    }

    @Test(arguments: [0, 1, 2, 3, 4, 5, 6, 7])
    func hostileBytesNeverCrash(seed: UInt64) throws {
        // Random bytes seeded with JPEG markers; every returned range must be in bounds and a
        // well-formed SOI...EOI.
        var rng = SplitMix64(seed: seed)
        var bytes = (0..<20_000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        for _ in 0..<400 {
            let at = Int(rng.next() % UInt64(bytes.count - 1))
            let markers: [UInt8] = [0xD8, 0xD9, 0xDA, 0xE0, 0x00, 0xFF, 0xD0]
            bytes[at] = 0xFF
            bytes[at + 1] = markers[Int(rng.next() % UInt64(markers.count))]
        }
        let r = MJPEGSplitter.split(bytes)
        for f in r.frames {
            #expect(f.lowerBound >= 0 && f.upperBound <= bytes.count)
            #expect(bytes[f.lowerBound] == 0xFF && bytes[f.lowerBound + 1] == 0xD8)
            #expect(bytes[f.upperBound - 2] == 0xFF && bytes[f.upperBound - 1] == 0xD9)
        }
        #expect(r.skippedBytes + r.frames.reduce(0) { $0 + $1.count } == bytes.count)
    }
}

/// Deterministic generator for the hostile-bytes test (Steele, Lea, Flood 2014).
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
