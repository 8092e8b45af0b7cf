import COpenBLAS

// Conv2D, stride 1, SAME padding (Keras: pad_total = k-1, the smaller half before), as im2col + sgemm.
// Legend: N = batch, H/W = spatial size (same in and out), Ci/Co = channels, K = k*k*Ci.
// The kernel is (k, k, Ci, Co), Keras' layout, so row (ky, kx, ci) of the K x Co matrix is one tap.

/// Rows of the column matrix processed per sgemm: bounds the scratch to about 32 MiB.
public func conv2dChunk(batch n: Int, height h: Int, width w: Int, cin: Int, k: Int) -> Int {
    let perImage = h * w * k * k * cin
    return max(1, min(n, (8 << 20) / max(perImage, 1)))
}

/// col: (images, H, W, K); inp: (images, H, W, Ci). Zero outside the image (SAME padding).
func im2col(_ col: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
            _ images: Int, _ h: Int, _ w: Int, _ cin: Int, _ k: Int, threads: Int) {
    let pad = (k - 1) / 2
    let kdim = k * k * cin
    parallelFor(images * h, threads: threads, minimumPerThread: 8) { rows in
        for row in rows {
            let img = row / h, y = row % h
            for x in 0..<w {
                var dst = col + ((row * w) + x) * kdim
                for ky in 0..<k {
                    let iy = y + ky - pad
                    for kx in 0..<k {
                        let ix = x + kx - pad
                        if iy < 0 || iy >= h || ix < 0 || ix >= w {
                            dst.update(repeating: 0, count: cin)
                        } else {
                            dst.update(from: inp + ((img * h + iy) * w + ix) * cin, count: cin)
                        }
                        dst += cin
                    }
                }
            }
        }
    }
}

/// dinp += col2im(dcol), written as a gather so workers own disjoint input pixels.
/// dinp: (images, H, W, Ci); dcol: (images, H, W, K).
func col2imAccumulate(_ dinp: UnsafeMutablePointer<Float>, _ dcol: UnsafePointer<Float>,
                      _ images: Int, _ h: Int, _ w: Int, _ cin: Int, _ k: Int, threads: Int) {
    let pad = (k - 1) / 2
    let kdim = k * k * cin
    parallelFor(images * h, threads: threads, minimumPerThread: 8) { rows in
        for row in rows {
            let img = row / h, iy = row % h
            for ix in 0..<w {
                let dst = dinp + ((img * h + iy) * w + ix) * cin
                for ky in 0..<k {
                    let y = iy + pad - ky
                    if y < 0 || y >= h { continue }
                    for kx in 0..<k {
                        let x = ix + pad - kx
                        if x < 0 || x >= w { continue }
                        let src = dcol + ((img * h + y) * w + x) * kdim + (ky * k + kx) * cin
                        for c in 0..<cin { dst[c] += src[c] }
                    }
                }
            }
        }
    }
}

/// out = conv(inp, weight) + bias. out: (N, H, W, Co); col: scratch of chunk*H*W*K;
/// inp: (N, H, W, Ci); weight: (k, k, Ci, Co); bias: (Co).
public func conv2dForward(_ out: UnsafeMutablePointer<Float>, _ col: UnsafeMutablePointer<Float>,
                          _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>,
                          _ n: Int, _ h: Int, _ w: Int, _ cin: Int, _ cout: Int, _ k: Int, chunk: Int, threads: Int) {
    let kdim = k * k * cin, hw = h * w
    var start = 0
    while start < n {
        let images = min(chunk, n - start)
        let m = images * hw
        let dst = out + start * hw * cout
        im2col(col, inp + start * hw * cin, images, h, w, cin, k, threads: threads)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(cout), Int32(kdim),
                    1, col, Int32(kdim), weight, Int32(cout), 0, dst, Int32(cout))
        parallelFor(m, threads: threads, minimumPerThread: 256) { rows in
            for r in rows {
                let o = dst + r * cout
                for c in 0..<cout { o[c] += bias[c] }
            }
        }
        start += images
    }
}

/// dweight += inp^T-patches x dout, dbias += sum(dout), dinp += (if given) dout x weight^T folded back.
/// dout: (N, H, W, Co); inp: (N, H, W, Ci); col: scratch of chunk*H*W*K.
public func conv2dBackward(_ dinp: UnsafeMutablePointer<Float>?, _ dweight: UnsafeMutablePointer<Float>,
                           _ dbias: UnsafeMutablePointer<Float>, _ col: UnsafeMutablePointer<Float>,
                           _ dout: UnsafePointer<Float>, _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
                           _ n: Int, _ h: Int, _ w: Int, _ cin: Int, _ cout: Int, _ k: Int, chunk: Int, threads: Int) {
    let kdim = k * k * cin, hw = h * w
    biasGradient(dbias, dout, rows: n * hw, channels: cout, threads: threads)
    var start = 0
    while start < n {
        let images = min(chunk, n - start)
        let m = images * hw
        let g = dout + start * hw * cout
        im2col(col, inp + start * hw * cin, images, h, w, cin, k, threads: threads)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(kdim), Int32(cout), Int32(m),
                    1, col, Int32(kdim), g, Int32(cout), 1, dweight, Int32(cout))
        if let dinp {
            // The patches are no longer needed: reuse the scratch for d(col).
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(kdim), Int32(cout),
                        1, g, Int32(cout), weight, Int32(cout), 0, col, Int32(kdim))
            col2imAccumulate(dinp + start * hw * cin, col, images, h, w, cin, k, threads: threads)
        }
        start += images
    }
}

/// dbias += column sums of dout (rows x channels); per-worker partials in Double, summed in order.
func biasGradient(_ dbias: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>,
                  rows: Int, channels: Int, threads: Int) {
    let parts = max(1, min(threads, rows / 256))
    var partial = [Double](repeating: 0, count: parts * channels)
    partial.withUnsafeMutableBufferPointer { acc in
        let accBase = acc.baseAddress!
        parallelFor(parts, threads: parts) { ps in
            for p in ps {
                let a = accBase + p * channels
                for r in partRange(p, of: parts, count: rows) {
                    let row = dout + r * channels
                    for c in 0..<channels { a[c] += Double(row[c]) }
                }
            }
        }
    }
    for p in 0..<parts {
        for c in 0..<channels { dbias[c] += Float(partial[p * channels + c]) }
    }
}
