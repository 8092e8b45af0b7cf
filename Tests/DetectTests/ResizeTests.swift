@testable import Detect
import Foundation
import Imaging
import Testing

/// Our INTER_LINEAR against cv2.resize on real photos (goldens from Golden/make_goldens.py).
@Test func resizeMatchesOpenCVBitForBit() throws {
    let goldens = try #require(SharedData.json(SharedData.golden + "/resize.json") as? [[String: Any]])
    #expect(goldens.count > 50)
    var images: [String: GrayImage] = [:]
    for g in goldens {
        let name = try #require(g["image"] as? String)
        let image = try images[name] ?? SharedData.gray(name)
        images[name] = image
        let w = try #require(g["width"] as? Int), h = try #require(g["height"] as? Int)
        let exact = try #require(g["exact"] as? Bool)
        let out = image.resizedLinear(width: w, height: h, exact: exact)
        #expect(SHA256.hex(out.pixels) == g["sha256"] as? String, "\(name) -> \(w)x\(h) exact=\(exact)")
    }
}

/// Awkward sizes: identity, 2:1 (OpenCV's area path), tiny outputs, one row or column.
@Test(arguments: [(8, 8, 8, 8), (8, 6, 4, 3), (9, 7, 4, 3), (5, 5, 1, 1), (17, 1, 8, 1), (1, 17, 1, 8), (33, 19, 30, 17)],
      [false, true])
func resizeEdgeCases(_ c: (Int, Int, Int, Int), exact: Bool) {
    let (sw, sh, dw, dh) = c
    let src = GrayImage(width: sw, height: sh, pixels: (0..<(sw * sh)).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) })
    let out = src.resizedLinear(width: dw, height: dh, exact: exact)
    #expect(out.width == dw && out.height == dh)
    if sw == dw && sh == dh { #expect(out == src) }
    if sw == 2 * dw && sh == 2 * dh {
        for y in 0..<dh {
            for x in 0..<dw {
                let s = Int(src[2 * x, 2 * y]) + Int(src[2 * x + 1, 2 * y]) + Int(src[2 * x, 2 * y + 1]) + Int(src[2 * x + 1, 2 * y + 1])
                #expect(Int(out[x, y]) == (s + 2) >> 2)
            }
        }
    }
    // A constant image stays constant under any linear resize.
    let flat = GrayImage(width: sw, height: sh, pixels: [UInt8](repeating: 201, count: sw * sh)).resizedLinear(width: dw, height: dh, exact: exact)
    #expect(flat.pixels.allSatisfy { $0 == 201 })
}
