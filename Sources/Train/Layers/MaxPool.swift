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
                let o = ((img * ho + oy) * wo + ox) * c
                for ch in 0..<c {
                    var best = -Float.infinity
                    var bestIndex = 0
                    for dy in 0..<p {
                        for dx in 0..<p {
                            let i = ((img * h + oy * p + dy) * w + ox * p + dx) * c + ch
                            if inp[i] > best || (dy == 0 && dx == 0) {
                                best = inp[i]
                                bestIndex = i
                            }
                        }
                    }
                    out[o + ch] = best
                    argmax?[o + ch] = Int32(bestIndex)
                }
            }
        }
    }
}

/// dinp[argmax] += dout. dout, argmax: (N, Ho, Wo, C); windows do not overlap, so workers
/// splitting output rows write disjoint inputs.
public func maxPoolBackward(_ dinp: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>,
                            _ argmax: UnsafePointer<Int32>, _ count: Int, threads: Int) {
    parallelFor(count, threads: threads, minimumPerThread: 4096) { range in
        for i in range { dinp[Int(argmax[i])] += dout[i] }
    }
}
