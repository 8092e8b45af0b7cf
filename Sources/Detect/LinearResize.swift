import Imaging

/// OpenCV's bilinear resize of 8-bit gray images, bit for bit (OpenCV 4.14 on x86-64, checked
/// against cv2.resize), in its two fixed-point flavours:
/// - `.linear` (INTER_LINEAR, `resizeGeneric_`): 11-bit weights; the horizontal pass is exact in
///   int32, the vertical one is OpenCV's SIMD `VResizeLinearVec_32s8u`: `(S>>4)*b >> 16` per row,
///   then `(sum + 2) >> 2`.
/// - `.linearExact` (INTER_LINEAR_EXACT, `resize_bitExact`): 8-bit weights computed in double,
///   8.8 fixed-point rows, `(a*c0 + b*c1 + 2^15) >> 16`. This is what CascadeClassifier's image
///   pyramid matches (measured on the conformance photos).
/// An exact 2:1 reduction is the 2x2 box average `(s + 2) >> 2` in both (`resizeAreaFast`), and
/// an unchanged size is a copy. Tables depend only on the sizes: built once, reused every frame.
struct LinearResizeTable {
    enum Mode { case linear, linearExact }

    let mode: Mode
    let srcWidth, srcHeight, dstWidth, dstHeight: Int
    let isHalving: Bool
    let isCopy: Bool
    /// Per output column: source column and weights. Columns in `xmin..<xmax` blend two source
    /// pixels; the others take one pixel at full weight `one`.
    private(set) var xofs: [Int32] = [], ax0: [Int32] = [], ax1: [Int32] = []
    private(set) var xmin = 0, xmax = 0
    /// Per output row: the two source rows and their weights (one row at full weight at the borders).
    private(set) var y0: [Int32] = [], y1: [Int32] = [], b0: [Int32] = [], b1: [Int32] = []
    let one: Int32

    init(srcWidth sw: Int, srcHeight sh: Int, dstWidth dw: Int, dstHeight dh: Int, mode: Mode = .linear) {
        precondition(sw > 0 && sh > 0 && dw > 0 && dh > 0, "resize sizes must be positive")
        self.mode = mode
        srcWidth = sw; srcHeight = sh; dstWidth = dw; dstHeight = dh
        isCopy = sw == dw && sh == dh
        // cv::hal::resize: inv_scale = dsize/ssize, scale = 1/inv_scale (not ssize/dsize).
        let scaleX = 1.0 / (Double(dw) / Double(sw)), scaleY = 1.0 / (Double(dh) / Double(sh))
        let ix = scaleX.rounded(.toNearestOrEven), iy = scaleY.rounded(.toNearestOrEven)
        isHalving = abs(scaleX - ix) < Double.ulpOfOne && abs(scaleY - iy) < Double.ulpOfOne && ix == 2 && iy == 2
        one = mode == .linear ? 2048 : 256
        switch mode {
        case .linear:
            (xofs, ax0, ax1, xmin, xmax) = Self.linearAxis(scaleX, sw, dw)
            // resizeGeneric_ keeps each row's weights and clamps both source rows when fetching them.
            y0 = [Int32](repeating: 0, count: dh); y1 = y0; b0 = y0; b1 = y0
            for dy in 0..<dh {
                var f = Float((Double(dy) + 0.5) * scaleY - 0.5)
                let sy = Int(f.rounded(.down))
                f -= Float(sy)
                y0[dy] = Int32(min(max(sy, 0), sh - 1))
                y1[dy] = Int32(min(max(sy + 1, 0), sh - 1))
                b0[dy] = Int32(((1 - f) * 2048).rounded(.toNearestOrEven))
                b1[dy] = Int32((f * 2048).rounded(.toNearestOrEven))
            }
        case .linearExact:
            (xofs, ax0, ax1, xmin, xmax) = Self.exactAxis(scaleX, sw, dw)
            let (yo, c0, c1, ymin, ymax) = Self.exactAxis(scaleY, sh, dh)
            y0 = yo; b0 = c0; b1 = c1; y1 = yo
            for dy in 0..<dh {
                if dy < ymin { y0[dy] = 0; y1[dy] = 0; b0[dy] = 256; b1[dy] = 0 }
                else if dy >= ymax { y0[dy] = Int32(sh - 1); y1[dy] = Int32(sh - 1); b0[dy] = 256; b1[dy] = 0 }
                else { y1[dy] = yo[dy] + 1 }
            }
        }
    }

    /// resizeGeneric_'s coefficient loop: positions in float, weights `saturate_cast<short>(w*2048)`.
    private static func linearAxis(_ scale: Double, _ s: Int, _ d: Int) -> ([Int32], [Int32], [Int32], Int, Int) {
        var ofs = [Int32](repeating: 0, count: d), c0 = ofs, c1 = ofs
        var maxOfs = d
        for i in 0..<d {
            var f = Float((Double(i) + 0.5) * scale - 0.5)
            var si = Int(f.rounded(.down))
            f -= Float(si)
            if si < 0 { f = 0; si = 0 }
            if si + 1 >= s {
                maxOfs = min(maxOfs, i)
                if si >= s - 1 { f = 0; si = s - 1 }
            }
            ofs[i] = Int32(si)
            c0[i] = Int32(((1 - f) * 2048).rounded(.toNearestOrEven))
            c1[i] = Int32((f * 2048).rounded(.toNearestOrEven))
        }
        return (ofs, c0, c1, 0, maxOfs)
    }

    /// interpolationLinear::getCoeffs: positions in double, 8-bit weights rounded half to even.
    private static func exactAxis(_ scale: Double, _ s: Int, _ d: Int) -> ([Int32], [Int32], [Int32], Int, Int) {
        var ofs = [Int32](repeating: 0, count: d), c0 = ofs, c1 = ofs
        var minOfs = 0, maxOfs = d
        for i in 0..<d {
            let f = scale * (Double(i) + 0.5) - 0.5
            let fi = f.rounded(.down)
            if fi >= 0 && s > 1 {
                if fi < Double(s - 1) {
                    ofs[i] = Int32(fi)
                    let w = Int32(((f - fi) * 256).rounded(.toNearestOrEven))
                    c1[i] = w
                    c0[i] = max(0, 256 - w)
                } else {
                    ofs[i] = Int32(s - 1)
                    maxOfs = min(maxOfs, i)
                }
            } else {
                minOfs = max(minOfs, i + 1)
            }
        }
        // Columns right of the source take the pixel of the last column's offset.
        for i in 0..<d where i < minOfs { ofs[i] = 0 }
        for i in 0..<d where i >= maxOfs { ofs[i] = ofs[d - 1] }
        return (ofs, c0, c1, min(minOfs, maxOfs), maxOfs)
    }

    /// Horizontal pass of one source row over output columns `x0..<x1` into `out[0..<x1-x0]`.
    @inline(__always)
    func horizontal(_ src: UnsafePointer<UInt8>, _ out: UnsafeMutablePointer<Int32>, _ x0: Int, _ x1: Int) {
        xofs.withUnsafeBufferPointer { xo in
            ax0.withUnsafeBufferPointer { a0 in
                ax1.withUnsafeBufferPointer { a1 in
                    let lo = min(max(xmin, x0), x1), hi = min(max(xmax, lo), x1)
                    for dx in x0..<lo { out[dx - x0] = Int32(src[Int(xo[dx])]) &* one }
                    for dx in lo..<hi {
                        let sx = Int(xo[dx])
                        out[dx - x0] = Int32(src[sx]) &* a0[dx] &+ Int32(src[sx + 1]) &* a1[dx]
                    }
                    for dx in hi..<x1 { out[dx - x0] = Int32(src[Int(xo[dx])]) &* one }
                }
            }
        }
    }

    /// Output row `dy`, columns `x0..<x1`, into `out`. `rowA`/`rowB` are scratch of width >= x1-x0;
    /// `cache` remembers which source rows they hold, so consecutive rows reuse them.
    @inline(__always)
    func row(_ dy: Int, _ x0: Int, _ x1: Int, src: UnsafePointer<UInt8>, srcStride: Int, out: UnsafeMutablePointer<UInt8>,
             rowA: UnsafeMutablePointer<Int32>, rowB: UnsafeMutablePointer<Int32>, cache: inout (Int, Int)) {
        if isCopy {
            let s = src + dy * srcStride
            for dx in x0..<x1 { out[dx - x0] = s[dx] }
            return
        }
        if isHalving {
            let s0 = src + 2 * dy * srcStride, s1 = s0 + srcStride
            for dx in x0..<x1 {
                let sum = Int(s0[2 * dx]) + Int(s0[2 * dx + 1]) + Int(s1[2 * dx]) + Int(s1[2 * dx + 1])
                out[dx - x0] = UInt8((sum + 2) >> 2)
            }
            return
        }
        let r0 = Int(y0[dy]), r1 = Int(y1[dy])
        let n = x1 - x0
        if cache.0 != r0 {
            if cache.1 == r0 {
                rowA.update(from: rowB, count: n)
            } else {
                horizontal(src + r0 * srcStride, rowA, x0, x1)
            }
            cache = (r0, -1)
        }
        if cache.1 != r1 {
            if r1 == r0 {
                rowB.update(from: rowA, count: n)
            } else {
                horizontal(src + r1 * srcStride, rowB, x0, x1)
            }
            cache.1 = r1
        }
        let w0 = b0[dy], w1 = b1[dy]
        switch mode {
        case .linearExact:
            // ufixedpoint16 * ufixedpoint16 -> ufixedpoint32, then (v + 2^15) >> 16 saturated.
            for i in 0..<n {
                let v = (UInt32(bitPattern: rowA[i]) &* UInt32(bitPattern: w0) &+ UInt32(bitPattern: rowB[i]) &* UInt32(bitPattern: w1) &+ (1 << 15)) >> 16
                out[i] = UInt8(truncatingIfNeeded: min(v, 255))
            }
        case .linear:
            for i in 0..<n {
                // v_mul_hi(v_pack(S >> 4), b): S <= 255*2048, so S >> 4 fits int16 unsaturated.
                let v = ((rowA[i] >> 4) &* w0) >> 16 &+ ((rowB[i] >> 4) &* w1) >> 16
                out[i] = UInt8(truncatingIfNeeded: min(max((v &+ 2) >> 2, 0), 255))
            }
        }
    }
}

extension GrayImage {
    /// This image resized to `width` x `height` exactly as OpenCV's `cv::resize` with INTER_LINEAR
    /// (`exact: false`) or INTER_LINEAR_EXACT (`exact: true`).
    public func resizedLinear(width dw: Int, height dh: Int, exact: Bool = false) -> GrayImage {
        precondition(width > 0 && height > 0, "cannot resize an empty image")
        let table = LinearResizeTable(srcWidth: width, srcHeight: height, dstWidth: dw, dstHeight: dh,
                                      mode: exact ? .linearExact : .linear)
        var out = GrayImage(width: dw, height: dh)
        let rowA = UnsafeMutablePointer<Int32>.allocate(capacity: dw), rowB = UnsafeMutablePointer<Int32>.allocate(capacity: dw)
        defer { rowA.deallocate(); rowB.deallocate() }
        var cache = (-1, -1)
        pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                for dy in 0..<dh {
                    table.row(dy, 0, dw, src: src.baseAddress!, srcStride: width, out: dst.baseAddress! + dy * dw,
                              rowA: rowA, rowB: rowB, cache: &cache)
                }
            }
        }
        return out
    }
}
