// Max pooling, window p x p, stride p, VALID (Keras MaxPooling2D defaults): Ho = H/p, Wo = W/p.
// Legend: N = batch, C = channels. The forward pass saves the flat input index of each maximum
// (the first one in window order on ties) so the backward pass routes the gradient there.

/// out: (N, Ho, Wo, C); argmax: (N, Ho, Wo, C) input offsets; inp: (N, H, W, C).
public func maxPoolForward(_ out: UnsafeMutablePointer<Float>, _ argmax: UnsafeMutablePointer<Int32>?,
                           _ inp: UnsafePointer<Float>, _ n: Int, _ h: Int, _ w: Int, _ c: Int, _ p: Int, threads: Int) {
    let ho = h / p, wo = w / p
    parallelFor(n * ho, threads: threads, minimumPerThread: 4) { rows in
        for row in rows {
            let img = row / ho, oy = row % ho
            for ox in 0..<wo {
                let o = out + ((img * ho + oy) * wo + ox) * c
                let first = ((img * h + oy * p) * w + ox * p) * c
                for ch in 0..<c { o[ch] = inp[first + ch] }
                argmax.map { a in for ch in 0..<c { a[o - out + ch] = Int32(first + ch) } }
                for dy in 0..<p {
                    for dx in 0..<p where dy != 0 || dx != 0 {
                        let start = ((img * h + oy * p + dy) * w + ox * p + dx) * c
                        let x = inp + start
                        if let argmax, c % 8 == 0 {
                            maxWithIndex(o, argmax + (o - out), x, base: Int32(start), c)
                        } else if let argmax {
                            let a = argmax + (o - out)
                            for ch in 0..<c where x[ch] > o[ch] {
                                o[ch] = x[ch]
                                a[ch] = Int32(start + ch)
                            }
                        } else {
                            for ch in 0..<c { o[ch] = max(o[ch], x[ch]) }
                        }
                    }
                }
            }
        }
    }
}

/// dinp[argmax] += dout. dout, argmax: (N, Ho, Wo, C); windows do not overlap, so workers
/// splitting the outputs write disjoint inputs.
public func maxPoolBackward(_ dinp: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>,
                            _ argmax: UnsafePointer<Int32>, _ count: Int, threads: Int) {
    parallelFor(count, threads: threads, minimumPerThread: 4096) { range in
        for i in range { dinp[Int(argmax[i])] += dout[i] }
    }
}
