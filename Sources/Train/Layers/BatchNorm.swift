// Batch normalization over the last axis (Keras BatchNormalization, axis -1).
// Legend: R = rows = N*H*W, C = channels. Training normalizes with the batch's biased variance
// (Keras 3 `ops.moments`) and updates moving = moving*momentum + batch*(1-momentum).

/// Keras' defaults for BatchNormalization.
public enum BatchNormDefaults {
    public static let momentum: Float = 0.99
    public static let epsilon: Float = 1e-3
}

/// Training forward. out, xhat: (R, C); mean, rstd: (C) saved for backward; inp: (R, C).
/// movingMean/movingVar are updated in place.
public func batchNormForwardTraining(_ out: UnsafeMutablePointer<Float>, _ xhat: UnsafeMutablePointer<Float>,
                                     _ mean: UnsafeMutablePointer<Float>, _ rstd: UnsafeMutablePointer<Float>,
                                     _ movingMean: UnsafeMutablePointer<Float>, _ movingVar: UnsafeMutablePointer<Float>,
                                     _ inp: UnsafePointer<Float>, _ gamma: UnsafePointer<Float>, _ beta: UnsafePointer<Float>,
                                     _ rows: Int, _ c: Int, momentum: Float, epsilon: Float, threads: Int) {
    // Two passes in Double (mean, then centred squares) keep the variance accurate for large R.
    let sums = channelSums(rows, c, threads: threads) { r, ch in Double(inp[r * c + ch]) }
    var meanD = [Double](repeating: 0, count: c)
    for ch in 0..<c { meanD[ch] = sums[ch] / Double(rows) }
    let sq = meanD.withUnsafeBufferPointer { m in
        channelSums(rows, c, threads: threads) { r, ch in
            let d = Double(inp[r * c + ch]) - m[ch]
            return d * d
        }
    }
    for ch in 0..<c {
        let variance = Float(sq[ch] / Double(rows))
        mean[ch] = Float(meanD[ch])
        rstd[ch] = 1 / (variance + epsilon).squareRoot()
        movingMean[ch] = movingMean[ch] * momentum + mean[ch] * (1 - momentum)
        movingVar[ch] = movingVar[ch] * momentum + variance * (1 - momentum)
    }
    parallelFor(rows, threads: threads, minimumPerThread: 256) { rs in
        for r in rs {
            let x = inp + r * c, xh = xhat + r * c, y = out + r * c
            for ch in 0..<c {
                let v = (x[ch] - mean[ch]) * rstd[ch]
                xh[ch] = v
                y[ch] = v * gamma[ch] + beta[ch]
            }
        }
    }
}

/// Inference forward with the moving statistics. out, inp: (R, C).
public func batchNormForwardInference(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>,
                                      _ gamma: UnsafePointer<Float>, _ beta: UnsafePointer<Float>,
                                      _ movingMean: UnsafePointer<Float>, _ movingVar: UnsafePointer<Float>,
                                      _ rows: Int, _ c: Int, epsilon: Float, threads: Int) {
    var scale = [Float](repeating: 0, count: c), shift = [Float](repeating: 0, count: c)
    for ch in 0..<c {
        scale[ch] = gamma[ch] / (movingVar[ch] + epsilon).squareRoot()
        shift[ch] = beta[ch] - movingMean[ch] * scale[ch]
    }
    scale.withUnsafeBufferPointer { s in
        shift.withUnsafeBufferPointer { b in
            parallelFor(rows, threads: threads, minimumPerThread: 256) { rs in
                for r in rs {
                    let x = inp + r * c, y = out + r * c
                    for ch in 0..<c { y[ch] = x[ch] * s[ch] + b[ch] }
                }
            }
        }
    }
}

/// dgamma += sum(dy*xhat); dbeta += sum(dy); dinp += gamma*rstd/R * (R*dy - sum(dy) - xhat*sum(dy*xhat)).
/// dout, xhat: (R, C); rstd: (C).
public func batchNormBackward(_ dinp: UnsafeMutablePointer<Float>?, _ dgamma: UnsafeMutablePointer<Float>,
                              _ dbeta: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>,
                              _ xhat: UnsafePointer<Float>, _ rstd: UnsafePointer<Float>, _ gamma: UnsafePointer<Float>,
                              _ rows: Int, _ c: Int, threads: Int) {
    let sumDy = channelSums(rows, c, threads: threads) { r, ch in Double(dout[r * c + ch]) }
    let sumDyX = channelSums(rows, c, threads: threads) { r, ch in Double(dout[r * c + ch] * xhat[r * c + ch]) }
    var a = [Float](repeating: 0, count: c), b = [Float](repeating: 0, count: c), s = [Float](repeating: 0, count: c)
    for ch in 0..<c {
        dgamma[ch] += Float(sumDyX[ch])
        dbeta[ch] += Float(sumDy[ch])
        s[ch] = gamma[ch] * rstd[ch]
        a[ch] = Float(sumDy[ch] / Double(rows))
        b[ch] = Float(sumDyX[ch] / Double(rows))
    }
    guard let dinp else { return }
    a.withUnsafeBufferPointer { a in
        b.withUnsafeBufferPointer { b in
            s.withUnsafeBufferPointer { s in
                parallelFor(rows, threads: threads, minimumPerThread: 256) { rs in
                    for r in rs {
                        let g = dout + r * c, xh = xhat + r * c, d = dinp + r * c
                        for ch in 0..<c { d[ch] += s[ch] * (g[ch] - a[ch] - xh[ch] * b[ch]) }
                    }
                }
            }
        }
    }
}

/// Per-channel sums of value(r, ch) over rows, accumulated in Double per worker, combined in order.
func channelSums(_ rows: Int, _ c: Int, threads: Int, _ value: (Int, Int) -> Double) -> [Double] {
    let parts = max(1, min(threads, rows / 256))
    var partial = [Double](repeating: 0, count: parts * c)
    partial.withUnsafeMutableBufferPointer { acc in
        let base = acc.baseAddress!
        parallelFor(parts, threads: parts) { ps in
            for p in ps {
                let a = base + p * c
                for r in partRange(p, of: parts, count: rows) {
                    for ch in 0..<c { a[ch] += value(r, ch) }
                }
            }
        }
    }
    var total = [Double](repeating: 0, count: c)
    for p in 0..<parts { for ch in 0..<c { total[ch] += partial[p * c + ch] } }
    return total
}
