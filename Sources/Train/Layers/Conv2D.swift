import COpenBLAS

// Conv2D, stride 1, SAME padding (Keras: pad_total = k-1, the smaller half before), as im2col + sgemm.
// Legend: N = batch, H/W = spatial size (same in and out), Ci/Co = channels, K = k*k*Ci.
// The kernel is (k, k, Ci, Co), Keras' layout, so row (ky, kx, ci) of the K x Co matrix is one tap.
//
// Threads split the batch into fixed contiguous image ranges; each runs its own single-threaded
// sgemm calls on its own scratch, and per-thread weight-gradient partials are summed in thread
// order, so results depend only on the thread count. (OpenBLAS's own threads spin in
// sched_yield between calls and then compete with ours on a 2-core machine.)

/// Per-thread scratch layout for one conv layer at a given batch size.
public struct ConvScratchLayout: Sendable, Equatable {
    /// Images per sgemm call: about 1 MiB of column matrix per thread, so the patches sgemm
    /// packs are still in cache. Measured with `fer bench train` on the reference model: 16 MiB
    /// chunks gave 79-83 images per CPU-second, 1 MiB 92-100. An image larger than that is
    /// split into bands of `bandRows` rows (then `chunk` is 1).
    public var chunk: Int
    public var bandRows: Int
    public var columns: Int
    public var weightPartial: Int
    public var biasPartial: Int
    public var ones: Int
    public var perThread: Int { columns + weightPartial + biasPartial + ones }

    public init(batch n: Int, height h: Int, width w: Int, cin: Int, cout: Int, k: Int, threads: Int) {
        let budget = 1 << 18
        let perImage = h * w * k * k * cin
        let perThreadImages = (n + threads - 1) / threads
        chunk = max(1, min(perThreadImages, budget / max(perImage, 1)))
        bandRows = perImage <= budget ? h : max(1, min(h, budget / max(w * k * k * cin, 1)))
        columns = chunk * bandRows * w * k * k * cin
        weightPartial = k * k * cin * cout
        biasPartial = cout
        ones = chunk * bandRows * w
    }

    /// Floats of scratch `conv2dForward`/`conv2dBackward` need for `threads` workers.
    public static func count(batch n: Int, height h: Int, width w: Int, cin: Int, cout: Int, k: Int, threads: Int) -> Int {
        ConvScratchLayout(batch: n, height: h, width: w, cin: cin, cout: cout, k: k, threads: threads).perThread * threads
    }
}

/// col: (images, band rows, W, K) for output rows `rows` (default all); inp: (images, H, W, Ci).
/// Zero outside the image (SAME padding).
/// For one (pixel, ky) the valid taps kx0..<kx1 read consecutive input pixels, so each is one
/// contiguous copy of (kx1 - kx0) * Ci floats.
func im2col(_ col: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
            _ images: Int, _ h: Int, _ w: Int, _ cin: Int, _ k: Int, rows: Range<Int>? = nil) {
    let pad = (k - 1) / 2
    let kdim = k * k * cin, rowLength = k * cin
    let band = rows ?? 0..<h
    for unit in 0..<images * band.count {
        let img = unit / band.count, y = band.lowerBound + unit % band.count
        for x in 0..<w {
            let kx0 = max(0, pad - x), kx1 = min(k, w + pad - x)
            var dst = col + ((unit * w) + x) * kdim
            for ky in 0..<k {
                let iy = y + ky - pad
                if iy < 0 || iy >= h {
                    dst.update(repeating: 0, count: rowLength)
                } else {
                    if kx0 > 0 { dst.update(repeating: 0, count: kx0 * cin) }
                    let src = inp + ((img * h + iy) * w + x + kx0 - pad) * cin
                    copyFloats(dst + kx0 * cin, src, (kx1 - kx0) * cin)
                    if kx1 < k { (dst + kx1 * cin).update(repeating: 0, count: (k - kx1) * cin) }
                }
                dst += rowLength
            }
        }
    }
}

/// dinp += col2im(dcol) as a scatter: each column-matrix row adds its valid taps back, one
/// contiguous run per ky. Callers give each worker whole images, so writes never collide.
/// dinp: (images, H, W, Ci); dcol: (images, band rows, W, K) for output rows `rows`.
func col2imAccumulate(_ dinp: UnsafeMutablePointer<Float>, _ dcol: UnsafePointer<Float>,
                      _ images: Int, _ h: Int, _ w: Int, _ cin: Int, _ k: Int, rows: Range<Int>? = nil) {
    let pad = (k - 1) / 2
    let kdim = k * k * cin, rowLength = k * cin
    let band = rows ?? 0..<h
    for unit in 0..<images * band.count {
        let img = unit / band.count, y = band.lowerBound + unit % band.count
        for x in 0..<w {
            let kx0 = max(0, pad - x), kx1 = min(k, w + pad - x)
            let src = dcol + ((unit * w) + x) * kdim
            for ky in 0..<k {
                let iy = y + ky - pad
                if iy < 0 || iy >= h { continue }
                let dst = dinp + ((img * h + iy) * w + x + kx0 - pad) * cin
                addFloats(dst, src + ky * rowLength + kx0 * cin, (kx1 - kx0) * cin)
            }
        }
    }
}

@inline(__always) func copyFloats(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, _ n: Int) {
    if n >= 16 { dst.update(from: src, count: n) } else { for i in 0..<n { dst[i] = src[i] } }
}

@inline(__always) func addFloats(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, _ n: Int) {
    for i in 0..<n { dst[i] += src[i] }
}

/// out = conv(inp, weight) + bias, then ReLU if `relu`. out: (N, H, W, Co); scratch: at least
/// `ConvScratchLayout.count(...)` floats; inp: (N, H, W, Ci); weight: (k, k, Ci, Co); bias: (Co).
public func conv2dForward(_ out: UnsafeMutablePointer<Float>, _ scratch: UnsafeMutablePointer<Float>,
                          _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>,
                          _ n: Int, _ h: Int, _ w: Int, _ cin: Int, _ cout: Int, _ k: Int, relu: Bool = false,
                          threads: Int) {
    let layout = ConvScratchLayout(batch: n, height: h, width: w, cin: cin, cout: cout, k: k, threads: threads)
    let kdim = k * k * cin, hw = h * w
    let parts = min(threads, max(n, 1))
    parallelParts(parts) { t in
        let images = partRange(t, of: parts, count: n)
        let col = scratch + t * layout.perThread
        forEachUnit(images, layout, h) { start, count, rows in
            let m = count * rows.count * w
            let dst = out + (start * hw + rows.lowerBound * w) * cout
            im2col(col, inp + start * hw * cin, count, h, w, cin, k, rows: rows)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(cout), Int32(kdim),
                        1, col, Int32(kdim), weight, Int32(cout), 0, dst, Int32(cout))
            addBias(dst, bias, rows: m, cout, relu: relu)
        }
    }
}

/// dweight += patches^T x dout, dbias += sum(dout), dinp += (if given) dout x weight^T folded back.
/// When `relu`, dout is first masked where out <= 0 (in place). With `accumulate` false, dinp is
/// assigned instead (each worker zeroes its own images just before use, while they are in cache).
/// dout, out: (N, H, W, Co); inp: (N, H, W, Ci); scratch as for `conv2dForward`.
public func conv2dBackward(_ dinp: UnsafeMutablePointer<Float>?, _ dweight: UnsafeMutablePointer<Float>,
                           _ dbias: UnsafeMutablePointer<Float>, _ scratch: UnsafeMutablePointer<Float>,
                           _ dout: UnsafeMutablePointer<Float>, _ out: UnsafePointer<Float>?, _ inp: UnsafePointer<Float>,
                           _ weight: UnsafePointer<Float>, _ n: Int, _ h: Int, _ w: Int, _ cin: Int, _ cout: Int,
                           _ k: Int, relu: Bool = false, accumulate: Bool = true, threads: Int) {
    let layout = ConvScratchLayout(batch: n, height: h, width: w, cin: cin, cout: cout, k: k, threads: threads)
    let kdim = k * k * cin, hw = h * w
    let parts = min(threads, max(n, 1))
    parallelParts(parts) { t in
        let images = partRange(t, of: parts, count: n)
        let base = scratch + t * layout.perThread
        let col = base, dw = base + layout.columns, db = dw + layout.weightPartial, ones = db + layout.biasPartial
        dw.update(repeating: 0, count: layout.weightPartial)
        db.update(repeating: 0, count: cout)
        ones.update(repeating: 1, count: layout.ones)
        forEachUnit(images, layout, h) { start, count, rows in
            let m = count * rows.count * w
            let offset = start * hw + rows.lowerBound * w
            let g = dout + offset * cout
            if relu, let out { maskWherePositive(g, out + offset * cout, m * cout) }
            cblas_sgemv(CblasRowMajor, CblasTrans, Int32(m), Int32(cout), 1, g, Int32(cout), ones, 1, 1, db, 1)
            im2col(col, inp + start * hw * cin, count, h, w, cin, k, rows: rows)
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(kdim), Int32(cout), Int32(m),
                        1, col, Int32(kdim), g, Int32(cout), 1, dw, Int32(cout))
            if let dinp {
                // The patches are no longer needed: reuse the scratch for d(col).
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(kdim), Int32(cout),
                            1, g, Int32(cout), weight, Int32(cout), 0, col, Int32(kdim))
                // A band scatters into its neighbours' rows too, so zero whole images at their first band.
                if !accumulate && rows.lowerBound == 0 {
                    (dinp + start * hw * cin).update(repeating: 0, count: count * hw * cin)
                }
                col2imAccumulate(dinp + start * hw * cin, col, count, h, w, cin, k, rows: rows)
            }
        }
    }
    // Combine the per-thread partials in thread order.
    for t in 0..<parts {
        let dw = scratch + t * layout.perThread + layout.columns, db = dw + layout.weightPartial
        for i in 0..<layout.weightPartial { dweight[i] += dw[i] }
        for c in 0..<cout { dbias[c] += db[c] }
    }
}

/// Calls body(firstImage, imageCount, outputRows) over a worker's images: groups of `chunk` whole
/// images, or, when one image exceeds the budget, each image in bands of `bandRows` rows.
@inline(__always) func forEachUnit(_ images: Range<Int>, _ layout: ConvScratchLayout, _ h: Int,
                                   _ body: (Int, Int, Range<Int>) -> Void) {
    var start = images.lowerBound
    while start < images.upperBound {
        if layout.bandRows >= h {
            let count = min(layout.chunk, images.upperBound - start)
            body(start, count, 0..<h)
            start += count
        } else {
            var y = 0
            while y < h {
                body(start, 1, y..<min(h, y + layout.bandRows))
                y += layout.bandRows
            }
            start += 1
        }
    }
}

/// dbias += column sums of dout (rows x channels), accumulated in Double.
func biasGradient(_ dbias: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>, rows: Int, channels: Int) {
    for c in 0..<channels {
        var s: Double = 0
        for r in 0..<rows { s += Double(dout[r * channels + c]) }
        dbias[c] += Float(s)
    }
}
