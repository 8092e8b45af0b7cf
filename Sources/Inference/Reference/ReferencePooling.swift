import QuantMath

// MAX_POOL_2D and AVERAGE_POOL_2D, int8 (kernels/internal/reference/integer_ops/pooling.h).
// Only in-bounds taps count; input and output share scale and zero point.

/// Largest in-bounds value of each window, clamped to the activation range.
public func maxPool2DReference(output: UnsafeMutablePointer<Int8>, input: UnsafePointer<Int8>, params p: PoolParameters, batches: Int) {
    poolWindows(p, batches: batches) { b, outY, outX, yRange, xRange in
        for c in 0..<p.channels {
            var best: Int32 = -128
            for y in yRange {
                for x in xRange {
                    best = max(best, Int32(input[((b * p.inputHeight + y) * p.inputWidth + x) * p.channels + c]))
                }
            }
            output[((b * p.outputHeight + outY) * p.outputWidth + outX) * p.channels + c] =
                clampToInt8(best, min: p.activationMin, max: p.activationMax)
        }
    }
}

/// Integer mean of each window's in-bounds taps, rounded half away from zero
/// ((sum ± count/2) / count with C's truncating division), clamped to the activation range.
public func averagePool2DReference(output: UnsafeMutablePointer<Int8>, input: UnsafePointer<Int8>, params p: PoolParameters, batches: Int) {
    poolWindows(p, batches: batches) { b, outY, outX, yRange, xRange in
        let count = Int32(yRange.count * xRange.count)
        for c in 0..<p.channels {
            var sum: Int32 = 0
            for y in yRange {
                for x in xRange {
                    sum &+= Int32(input[((b * p.inputHeight + y) * p.inputWidth + x) * p.channels + c])
                }
            }
            let mean = count == 0 ? 0 : (sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count)
            output[((b * p.outputHeight + outY) * p.outputWidth + outX) * p.channels + c] =
                clampToInt8(mean, min: p.activationMin, max: p.activationMax)
        }
    }
}

/// Calls `body` with each output position and the in-bounds input rows/columns of its window.
@inline(__always)
private func poolWindows(_ p: PoolParameters, batches: Int, _ body: (Int, Int, Int, Range<Int>, Range<Int>) -> Void) {
    for b in 0..<batches {
        for outY in 0..<p.outputHeight {
            let y0 = outY * p.strideH - p.padTop
            let yRange = max(0, y0)..<max(max(0, y0), min(p.inputHeight, y0 + p.filterHeight))
            for outX in 0..<p.outputWidth {
                let x0 = outX * p.strideW - p.padLeft
                let xRange = max(0, x0)..<max(max(0, x0), min(p.inputWidth, x0 + p.filterWidth))
                body(b, outY, outX, yRange, xRange)
            }
        }
    }
}
