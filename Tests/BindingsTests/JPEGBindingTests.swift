import Imaging
import Testing

/// libjpeg through the CJPEGCodec shim: real encode/decode, and corrupt data must throw, not exit.
@Suite struct JPEGBindingTests {
    /// A smooth gradient with a bright disk: compresses well, so decode error stays small.
    static func testImage(width: Int = 96, height: Int = 64) -> GrayImage {
        var img = GrayImage(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width {
                let dx = x - width / 2, dy = y - height / 2
                img[x, y] = dx * dx + dy * dy < 400 ? 230 : UInt8((x * 2 + y) % 200)
            }
        }
        return img
    }

    @Test func encodedGrayDecodesBack() throws {
        let img = Self.testImage()
        let jpeg = try JPEG.encode(img, quality: 95)
        #expect(jpeg.starts(with: [0xFF, 0xD8]))
        let back = try JPEG.decodeGray(jpeg)
        #expect(back.width == img.width && back.height == img.height)
        let maxErr = zip(img.pixels, back.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
        // q95 on a smooth image: libjpeg-turbo's DCT round trip stays within a few levels.
        #expect(maxErr <= 12, "max abs error \(maxErr)")
    }

    @Test func dctScalingHalvesTheSize() throws {
        let jpeg = try JPEG.encode(Self.testImage(width: 160, height: 120))
        let small = try JPEG.decodeGray(jpeg, scaleDenominator: 4)
        #expect(small.width == 40 && small.height == 30)
    }

    @Test func rgbDecodesToOpenCVGray() throws {
        // A uniform colour: OpenCV's gray is (B*3735 + G*19235 + R*9798 + 16384) >> 15.
        let (r, g, b) = (200, 100, 50)
        let rgb = [UInt8]((0..<(32 * 32)).flatMap { _ in [UInt8(r), UInt8(g), UInt8(b)] })
        let jpeg = try JPEG.encodeRGB(rgb, width: 32, height: 32, quality: 100)
        let decoded = try JPEG.decodeRGB(jpeg)
        let gray = try JPEG.decodeGray(jpeg, conversion: .opencv)
        let (R, G, B) = (Int(decoded.rgb[0]), Int(decoded.rgb[1]), Int(decoded.rgb[2]))
        #expect(Int(gray.pixels[0]) == (B * 3735 + G * 19235 + R * 9798 + 16384) >> 15)
    }

    @Test(arguments: [0.5, 0.9])
    func truncatedJPEGThrows(fraction: Double) throws {
        let jpeg = try JPEG.encode(Self.testImage(), quality: 90)
        let cut = Array(jpeg.prefix(Int(Double(jpeg.count) * fraction)))
        #expect(throws: JPEGError.self) { try JPEG.decodeGray(cut) }
    }

    @Test func notAJPEGNamesWhatItFound() {
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        do {
            _ = try JPEG.decodeGray(png)
            Issue.record("PNG bytes decoded as JPEG")
        } catch {
            #expect(error.kind == .corrupt)
            #expect(error.message.contains("0x89"))
        }
    }

    @Test func corruptedEntropyDataThrowsOrDecodesWithoutCrashing() throws {
        var jpeg = try JPEG.encode(Self.testImage(), quality: 90)
        // Overwrite the middle of the scan with marker bytes: libjpeg must report, not exit().
        for i in stride(from: jpeg.count / 2, to: jpeg.count / 2 + 40, by: 2) { jpeg[i] = 0xFF; jpeg[i + 1] = 0xD9 }
        #expect(throws: JPEGError.self) { try JPEG.decodeGray(jpeg) }
    }
}
