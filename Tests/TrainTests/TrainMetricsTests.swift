import Foundation
import Testing
@testable import Train

@Test func trainMetricsByHand() {
    // 3 classes; worked on paper:
    // confusion [[2,1,0],[0,1,1],[0,0,0]]: class 2 has no support and no predictions.
    let m = ClassificationMetrics(labels: [0, 0, 0, 1, 1], predictions: [0, 0, 1, 1, 2], classes: 3)
    #expect(m.confusion == [[2, 1, 0], [0, 1, 1], [0, 0, 0]])
    #expect(m.accuracy == 0.6)
    #expect(m.precision == [1.0, 0.5, 0.0])
    #expect(m.recall == [2.0 / 3.0, 0.5, 0.0])
    #expect(abs(m.f1[0] - 0.8) < 1e-12 && abs(m.f1[1] - 0.5) < 1e-12 && m.f1[2] == 0)
    #expect(abs(m.macroF1 - 1.3 / 3) < 1e-12)
    #expect(abs(m.weightedF1 - (0.8 * 3 + 0.5 * 2) / 5) < 1e-12)
    #expect(m.value(of: .accuracy) == 0.6)
    #expect(TrainingRun.best([
        EpochRecord(epoch: 1, loss: 1, accuracy: 0, learningRate: 1, imagesPerSecond: 1, seconds: 1, validation: m),
        EpochRecord(epoch: 2, loss: 1, accuracy: 0, learningRate: 1, imagesPerSecond: 1, seconds: 1,
                    validation: ClassificationMetrics(labels: [0, 1], predictions: [0, 1], classes: 3)),
    ], by: .macroF1)?.epoch == 2)
}

@Test func trainChecksumsMatchPublishedValues() {
    #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)  // the CRC-32 check value
    #expect(PNGWriter.adler32(Array("Wikipedia".utf8)) == 0x11E6_0398)  // RFC 1950 example value
}

@Test func trainPNGWriterProducesValidStoredStream() throws {
    // 300x80 RGB = 72,080 raw bytes: two stored blocks.
    let (w, h) = (300, 80)
    let rgb = (0..<w * h * 3).map { UInt8(truncatingIfNeeded: $0 * 7) }
    let png = PNGWriter.encode(width: w, height: h, rgb: rgb)
    #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    // Walk the chunks, checking each CRC, and collect IDAT.
    var offset = 8, idat: [UInt8] = [], types: [String] = []
    func be32(_ i: Int) -> Int { Int(png[i]) << 24 | Int(png[i + 1]) << 16 | Int(png[i + 2]) << 8 | Int(png[i + 3]) }
    while offset < png.count {
        let length = be32(offset)
        let typed = Array(png[offset + 4..<offset + 8 + length])
        #expect(UInt32(be32(offset + 8 + length)) == CRC32.checksum(typed))
        types.append(String(decoding: typed.prefix(4), as: UTF8.self))
        if types.last == "IDAT" { idat += typed.dropFirst(4) }
        offset += 12 + length
    }
    #expect(types == ["IHDR", "IDAT", "IEND"])
    // Inflate the stored blocks by hand and compare with filter-0 scanlines.
    var raw: [UInt8] = [], p = 2, final = false
    while !final {
        final = idat[p] & 1 == 1
        #expect(idat[p] & 6 == 0, "stored block")
        let len = Int(idat[p + 1]) | Int(idat[p + 2]) << 8, nlen = Int(idat[p + 3]) | Int(idat[p + 4]) << 8
        #expect(len ^ nlen == 0xFFFF)
        raw += idat[p + 5..<p + 5 + len]
        p += 5 + len
    }
    var expected: [UInt8] = []
    for y in 0..<h { expected += [0] + rgb[y * w * 3..<(y + 1) * w * 3] }
    #expect(raw == expected)
    let adler = UInt32(idat[p]) << 24 | UInt32(idat[p + 1]) << 16 | UInt32(idat[p + 2]) << 8 | UInt32(idat[p + 3])
    #expect(adler == PNGWriter.adler32(expected))
}

@Test func trainFiguresRenderBothFormats() {
    let f = Charts.confusion([[3, 1], [0, 4]], classNames: ["anger", "fear"], title: "t")
    let svg = f.svg()
    #expect(svg.hasPrefix("<svg") && svg.contains(">anger</text>") && svg.hasSuffix("</svg>\n"))
    let px = f.rasterize()
    #expect(px.count == f.width * f.height * 3)
    // The heaviest cell (row share 1.0 for [0, 4]) is drawn darker than the background.
    #expect(px.contains { $0 < 200 })
}
