import Foundation
import Testing
@testable import Dataset

/// Pillow's ImageEnhance/ImageFilter outputs, from Golden/enhance_golden.txt (made by
/// Golden/make_enhance_golden.py with real Pillow), compared byte for byte.
struct DatasetEnhanceTests {
    struct Record {
        var op: String
        var image: String
        var factor: Float?
        var expected: [UInt8]
    }

    static let golden: (images: [String: (w: Int, h: Int, px: [UInt8])], records: [Record]) = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/enhance_golden.txt")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return ([:], []) }
        var images: [String: (w: Int, h: Int, px: [UInt8])] = [:]
        var records: [Record] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let f = line.split(separator: " ").map(String.init)
            switch f[0] {
            case "image": images[f[1]] = (Int(f[2])!, Int(f[3])!, DatasetFixtures.hexBytes(f[4]))
            case "smooth": records.append(Record(op: "smooth", image: f[1], factor: nil, expected: DatasetFixtures.hexBytes(f[2])))
            default: records.append(Record(op: f[0], image: f[1], factor: Float(Double(f[2])!), expected: DatasetFixtures.hexBytes(f[3])))
            }
        }
        return (images, records)
    }()

    @Test func goldenFileIsPresentAndComplete() {
        #expect(Self.golden.images.count == 13)
        #expect(Self.golden.records.count == 183)
        #expect(Self.golden.records.contains { $0.op == "contrast" && $0.factor == 1.5 && $0.image == "face48" })
        #expect(Self.golden.records.contains { $0.op == "sharpness" && $0.factor == 1.75 && $0.image == "face48" })
    }

    @Test(arguments: ["smooth", "contrast", "sharpness"])
    func matchesPillow(op: String) {
        let records = Self.golden.records.filter { $0.op == op }
        #expect(!records.isEmpty)
        for r in records {
            let (w, h, px) = Self.golden.images[r.image]!
            var out = [UInt8](repeating: 0, count: px.count)
            var scratch = out
            px.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    switch op {
                    case "smooth": ImageEnhance.smooth(src, width: w, height: h, into: dst)
                    case "contrast": ImageEnhance.contrast(src, factor: r.factor!, into: dst)
                    default:
                        scratch.withUnsafeMutableBufferPointer {
                            ImageEnhance.sharpness(src, width: w, height: h, factor: r.factor!, into: dst, scratch: $0)
                        }
                    }
                }
            }
            let firstDiff = zip(out, r.expected).enumerated().first { $0.element.0 != $0.element.1 }
            #expect(out == r.expected,
                    "\(op) \(r.image) factor \(r.factor.map { "\($0)" } ?? "-"): first difference at \(firstDiff.map { "pixel \($0.offset): ours \($0.element.0), Pillow \($0.element.1)" } ?? "length")")
        }
    }

    @Test func sharpnessKeepsEdgePixels() {
        let (w, h, px) = Self.golden.images["noise48"]!
        var out = [UInt8](repeating: 0, count: px.count)
        var scratch = out
        px.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                scratch.withUnsafeMutableBufferPointer { ImageEnhance.sharpness(src, width: w, height: h, factor: 1.75, into: dst, scratch: $0) }
            }
        }
        for x in 0..<w {
            #expect(out[x] == px[x])
            #expect(out[(h - 1) * w + x] == px[(h - 1) * w + x])
        }
        for y in 0..<h {
            #expect(out[y * w] == px[y * w])
            #expect(out[y * w + w - 1] == px[y * w + w - 1])
        }
        #expect(out != px)
    }
}
