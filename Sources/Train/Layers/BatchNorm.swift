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
    // Moments as sum and sum of squares in Double: E[x^2] - E[x]^2 keeps ~1e-9 relative accuracy
    // for activations whose mean is not many orders above their spread (ours: ReLU outputs).
    let (sum, sumSq) = channelSums(inp, inp, rows, c, threads: threads)
    for ch in 0..<c {
        let m = sum[ch] / Double(rows)
        let variance = Float(max(sumSq[ch] / Double(rows) - m * m, 0))
        mean[ch] = Float(m)
        rstd[ch] = 1 / (variance + epsilon).squareRoot()
        movingMean[ch] = movingMean[ch] * momentum + mean[ch] * (1 - momentum)
        movingVar[ch] = movingVar[ch] * momentum + variance * (1 - momentum)
    }
    parallelFor(rows, threads: threads, minimumPerThread: 256) { rs in
        if c % 8 == 0 {
            normalizeRows8(out, xhat, inp, mean, rstd, gamma, beta, rows: rs, c)
            return
        }
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

/// dgamma += sum(dy*xhat); dbeta += sum(dy); dinp += gamma*rstd/R * (R*dy - sum(dy) - xhat*sum(dy*xhat)),
/// or `=` when `accumulate` is false (saves zeroing a large buffer first). dout, xhat: (R, C); rstd: (C).
public func batchNormBackward(_ dinp: UnsafeMutablePointer<Float>?, _ dgamma: UnsafeMutablePointer<Float>,
                              _ dbeta: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>,
                              _ xhat: UnsafePointer<Float>, _ rstd: UnsafePointer<Float>, _ gamma: UnsafePointer<Float>,
                              _ rows: Int, _ c: Int, accumulate: Bool = true, threads: Int) {
    let (sumDy, sumDyX) = channelSums(dout, xhat, rows, c, threads: threads)
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
                        if accumulate {
                            for ch in 0..<c { d[ch] += s[ch] * (g[ch] - a[ch] - xh[ch] * b[ch]) }
                        } else {
                            for ch in 0..<c { d[ch] = s[ch] * (g[ch] - a[ch] - xh[ch] * b[ch]) }
                        }
                    }
                }
            }
        }
    }
}

/// Per-channel sums of a and of a*b over rows: Float over blocks of 64 rows, then Double, per
/// worker; workers' partials are combined in order (deterministic for a thread count).
/// a, b: (R, C).
func channelSums(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ rows: Int, _ c: Int,
                 threads: Int) -> (sumA: [Double], sumAB: [Double]) {
    let parts = max(1, min(threads, rows / 256))
    var partial = [Double](repeating: 0, count: parts * 2 * c)
    partial.withUnsafeMutableBufferPointer { acc in
        let base = UnsafeSendableBox(value: acc.baseAddress!)
        parallelParts(parts) { p in
            let sa = base.value + p * 2 * c, sab = sa + c
            var blockA = [Float](repeating: 0, count: c), blockAB = [Float](repeating: 0, count: c)
            blockA.withUnsafeMutableBufferPointer { ba in
                blockAB.withUnsafeMutableBufferPointer { bab in
                    let range = partRange(p, of: parts, count: rows)
                    var r = range.lowerBound
                    while r < range.upperBound {
                        let end = min(r + 64, range.upperBound)
                        for ch in 0..<c {
                            ba[ch] = 0
                            bab[ch] = 0
                        }
                        if c % 8 == 0 {
                            accumulateRows8(ba.baseAddress!, bab.baseAddress!, a, b, rows: r..<end, c)
                        } else {
                            for row in r..<end {
                                let x = a + row * c, y = b + row * c
                                for ch in 0..<c {
                                    ba[ch] += x[ch]
                                    bab[ch] += x[ch] * y[ch]
                                }
                            }
                        }
                        for ch in 0..<c {
                            sa[ch] += Double(ba[ch])
                            sab[ch] += Double(bab[ch])
                        }
                        r = end
                    }
                }
            }
        }
    }
    var sumA = [Double](repeating: 0, count: c), sumAB = [Double](repeating: 0, count: c)
    for p in 0..<parts {
        for ch in 0..<c {
            sumA[ch] += partial[p * 2 * c + ch]
            sumAB[ch] += partial[p * 2 * c + c + ch]
        }
    }
    return (sumA, sumAB)
}

/// xhat = (x - mean) * rstd; out = xhat * gamma + beta over rows, 8 channels at a time (c % 8 == 0).
@inline(__always) func normalizeRows8(_ out: UnsafeMutablePointer<Float>, _ xhat: UnsafeMutablePointer<Float>,
                                      _ inp: UnsafePointer<Float>, _ mean: UnsafePointer<Float>,
                                      _ rstd: UnsafePointer<Float>, _ gamma: UnsafePointer<Float>,
                                      _ beta: UnsafePointer<Float>, rows: Range<Int>, _ c: Int) {
    let rm = UnsafeRawPointer(mean), rr = UnsafeRawPointer(rstd), rg = UnsafeRawPointer(gamma), rb = UnsafeRawPointer(beta)
    for r in rows {
        let x = UnsafeRawPointer(inp + r * c), xh = UnsafeMutableRawPointer(xhat + r * c)
        let y = UnsafeMutableRawPointer(out + r * c)
        var j = 0
        while j < c {
            let o = j * 4
            let v = (x.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self) - rm.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self))
                * rr.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
            xh.storeBytes(of: v, toByteOffset: o, as: SIMD8<Float>.self)
            y.storeBytes(of: v * rg.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
                         + rb.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self), toByteOffset: o, as: SIMD8<Float>.self)
            j += 8
        }
    }
}

/// sumA += a, sumAB += a * b over rows, 8 channels at a time (c % 8 == 0).
@inline(__always) func accumulateRows8(_ sumA: UnsafeMutablePointer<Float>, _ sumAB: UnsafeMutablePointer<Float>,
                                       _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, rows: Range<Int>, _ c: Int) {
    let sa = UnsafeMutableRawPointer(sumA), sab = UnsafeMutableRawPointer(sumAB)
    var j = 0
    while j < c {
        let o = j * 4
        var accA = SIMD8<Float>(), accAB = SIMD8<Float>()
        for r in rows {
            let x = UnsafeRawPointer(a + r * c).loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
            let y = UnsafeRawPointer(b + r * c).loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
            accA += x
            accAB += x * y
        }
        sa.storeBytes(of: sa.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self) + accA, toByteOffset: o, as: SIMD8<Float>.self)
        sab.storeBytes(of: sab.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self) + accAB, toByteOffset: o, as: SIMD8<Float>.self)
        j += 8
    }
}
