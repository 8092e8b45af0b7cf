import Imaging

/// Row-by-row integral images, as OpenCV's `integral(img, sum, sqsum, tilted, CV_32S, CV_32S)`:
/// (w+1) x (h+1) tables whose first row and column are 0. Sums wrap in 32 bits exactly like
/// OpenCV's CV_32S buffers, so window sums (differences) stay exact even when totals overflow.
enum Integrals {
    /// Adds image row `index` (pixels `row[0..<width]`) as integral row `index + 1`, and leaves the
    /// row's prefix sums in `prefix[0...width]` for the tilted pass.
    @inline(__always)
    static func addRow(_ row: UnsafePointer<UInt8>, width w: Int, index r: Int, stride s: Int,
                       sum: UnsafeMutablePointer<Int32>, squares: UnsafeMutablePointer<UInt32>, prefix: UnsafeMutablePointer<Int32>) {
        let prev = sum + r * s, cur = prev + s
        let qprev = squares + r * s, qcur = qprev + s
        cur[0] = 0
        qcur[0] = 0
        prefix[0] = 0
        var rs: Int32 = 0
        var rq: UInt32 = 0
        for x in 0..<w {
            let v = Int32(row[x])
            rs &+= v
            rq &+= UInt32(v * v)
            cur[x + 1] = prev[x + 1] &+ rs
            qcur[x + 1] = qprev[x + 1] &+ rq
            prefix[x + 1] = rs
        }
    }

    /// Tilted integral row `index + 1`. T(X, Y) = sum of pixels (x, y) with y < Y and
    /// |x - X + 1| <= Y - 1 - y (checked against cv2.integral3). Row y contributes
    /// P_y(min(X+Y-1-y, w)) - P_y(max(X-Y+y, 0)), P_y its prefix sums, so T(X, Y) = Asc[X+Y-1] - Desc[X-Y]
    /// with two diagonal accumulators (`w + h + 1` entries each, zeroed per image) updated once per row.
    @inline(__always)
    static func addTiltedRow(index y: Int, width w: Int, height h: Int, prefix p: UnsafePointer<Int32>,
                             ascending asc: UnsafeMutablePointer<Int32>, descending desc: UnsafeMutablePointer<Int32>,
                             out: UnsafeMutablePointer<Int32>) {
        // asc[c + 1] for c in -1...w+h-1, desc[d + h] for d in -h...w; only entries later rows read are updated.
        for c in max(y, -1)...(w + h - 1) { asc[c + 1] &+= p[min(max(c - y, 0), w)] }
        for d in (-h)...(w - y - 1) { desc[d + h] &+= p[min(max(d + y, 0), w)] }
        for x in 0...w { out[x] = asc[x + y + 1] &- desc[x - y - 1 + h] }
    }
}

/// Sum, squared-sum and tilted integrals of a whole image, (w+1) x (h+1), built with the same
/// row functions the detector uses. For tests and tools; the detector reuses its own buffers.
public struct IntegralImages {
    public let width: Int, height: Int
    public private(set) var sum: [Int32]
    public private(set) var squares: [UInt32]
    public private(set) var tilted: [Int32]

    public init(_ image: GrayImage) {
        width = image.width
        height = image.height
        let w = width, h = height, s = w + 1
        sum = [Int32](repeating: 0, count: s * (h + 1))
        squares = [UInt32](repeating: 0, count: s * (h + 1))
        tilted = [Int32](repeating: 0, count: s * (h + 1))
        var prefix = [Int32](repeating: 0, count: w + 1)
        var asc = [Int32](repeating: 0, count: w + h + 2), desc = asc
        image.pixels.withUnsafeBufferPointer { px in
            sum.withUnsafeMutableBufferPointer { sp in
                squares.withUnsafeMutableBufferPointer { qp in
                    tilted.withUnsafeMutableBufferPointer { tp in
                        prefix.withUnsafeMutableBufferPointer { pp in
                            asc.withUnsafeMutableBufferPointer { ap in
                                desc.withUnsafeMutableBufferPointer { dp in
                                    for r in 0..<h {
                                        Integrals.addRow(px.baseAddress! + r * w, width: w, index: r, stride: s, sum: sp.baseAddress!,
                                                         squares: qp.baseAddress!, prefix: pp.baseAddress!)
                                        Integrals.addTiltedRow(index: r, width: w, height: h, prefix: pp.baseAddress!, ascending: ap.baseAddress!,
                                                               descending: dp.baseAddress!, out: tp.baseAddress! + (r + 1) * s)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
