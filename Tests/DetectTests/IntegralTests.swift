@testable import Detect
import Imaging
import Testing

/// The tilted integral by its definition (OpenCV's docs, checked against cv2.integral3):
/// T(X, Y) = sum of pixels (x, y) with y < Y and |x - X + 1| <= Y - 1 - y.
private func tiltedReference(_ img: GrayImage) -> [[Int]] {
    var t = [[Int]](repeating: [Int](repeating: 0, count: img.width + 1), count: img.height + 1)
    for Y in 0...img.height {
        for X in 0...img.width {
            var s = 0
            for y in 0..<Y {
                for x in 0..<img.width where abs(x - X + 1) <= Y - 1 - y { s += Int(img[x, y]) }
            }
            t[Y][X] = s
        }
    }
    return t
}

/// The detector's integrals (built row by row from the resized level) against naive sums,
/// over awkward sizes: 1 pixel wide or high, taller than wide, wider than tall.
@Test(arguments: [(1, 1), (1, 6), (6, 1), (2, 2), (7, 9), (13, 4), (4, 13), (31, 17)])
func integralsMatchDefinitions(_ size: (Int, Int)) {
    let (w, h) = size
    var img = GrayImage(width: w, height: h)
    for i in img.pixels.indices { img.pixels[i] = UInt8(truncatingIfNeeded: i &* 97 &+ 13) }
    let ii = IntegralImages(img)
    let tilted = tiltedReference(img)
    for Y in 0...h {
        for X in 0...w {
            var s = 0, q = 0
            for y in 0..<Y { for x in 0..<X { s += Int(img[x, y]); q += Int(img[x, y]) * Int(img[x, y]) } }
            #expect(Int(ii.sum[Y * (w + 1) + X]) == s)
            #expect(Int(ii.squares[Y * (w + 1) + X]) == q)
            #expect(Int(ii.tilted[Y * (w + 1) + X]) == tilted[Y][X], "tilted \(X),\(Y) of \(w)x\(h)")
        }
    }
}
