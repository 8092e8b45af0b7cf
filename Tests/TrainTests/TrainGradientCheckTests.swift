import Foundation
import Testing
@testable import Train

// Finite-difference gradient checks for every layer and loss.
//
// Tolerance policy. Each check differentiates a scalar objective L(v) = sum_i out_i * r_i (fixed
// random r; for losses L is the loss itself) and compares the analytic gradient with the central
// difference (L(v+h) - L(v-h)) / 2h, L accumulated in Double. Its error is truncation,
// h^2/6 |L'''|, plus the Float32 rounding of the forward pass, about 2^-24 * sum|terms| / h.
// With inputs O(1), sizes below 100 terms per output and h = 1e-2 (smooth layers) both terms
// stay below 1e-3 of the largest gradient entry, so we accept
//   |analytic - numeric| <= 1e-2 * |numeric| + 2e-3 * max|gradient| .
// Kinks are kept away from the probe: ReLU inputs have |x| >= 0.05 > h, max-pool inputs are
// distinct by more than 2h, and dropout masks are redrawn from the same seed at every evaluation.

let fdStep: Float = 1e-2

/// Fills values in [-1, 1) from a seeded stream.
func randomValues(_ count: Int, seed: UInt64, range: ClosedRange<Float> = -1...1) -> [Float] {
    var rng = TrainRandom(seed: seed)
    return (0..<count).map { _ in range.lowerBound + (range.upperBound - range.lowerBound) * rng.nextUnitFloat() }
}

/// Checks `analytic` against central differences of `objective` at every entry of `variable`.
func expectGradientsMatch(_ analytic: [Float], variable: inout [Float], step h: Float = fdStep,
                          _ what: String, objective: ([Float]) -> Double,
                          sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(analytic.count == variable.count, "\(what): gradient size", sourceLocation: sourceLocation)
    let scale = analytic.map { abs($0) }.max() ?? 0
    var worst: (index: Int, a: Float, n: Float)? = nil
    for i in 0..<variable.count {
        let saved = variable[i]
        variable[i] = saved + h
        let up = objective(variable)
        variable[i] = saved - h
        let down = objective(variable)
        variable[i] = saved
        let numeric = Float((up - down) / Double(2 * h))
        let a = analytic[i]
        if abs(a - numeric) > 1e-2 * abs(numeric) + 2e-3 * max(scale, 1e-3), worst == nil {
            worst = (i, a, numeric)
        }
    }
    #expect(worst == nil, "\(what): first mismatch at \(worst.map { "[\($0.index)] analytic \($0.a) numeric \($0.n)" } ?? "")",
            sourceLocation: sourceLocation)
}

/// sum_i out_i * r_i in Double.
func weightedSum(_ out: UnsafePointer<Float>, _ r: [Float]) -> Double {
    var s: Double = 0
    for i in 0..<r.count { s += Double(out[i]) * Double(r[i]) }
    return s
}

struct ConvCase: CustomTestStringConvertible, Sendable {
    var n, h, w, cin, cout, k: Int
    var testDescription: String { "n\(n) \(h)x\(w)x\(cin)->\(cout) k\(k)" }
}

@Test(arguments: [
    ConvCase(n: 2, h: 5, w: 4, cin: 3, cout: 2, k: 3),
    ConvCase(n: 1, h: 1, w: 1, cin: 2, cout: 3, k: 3),
    ConvCase(n: 3, h: 3, w: 7, cin: 1, cout: 4, k: 1),
    ConvCase(n: 1, h: 6, w: 5, cin: 2, cout: 2, k: 5),
    ConvCase(n: 2, h: 4, w: 4, cin: 2, cout: 3, k: 2),
])
func trainConv2DGradients(_ c: ConvCase) {
    let inCount = c.n * c.h * c.w * c.cin, outCount = c.n * c.h * c.w * c.cout
    var x = randomValues(inCount, seed: 1)
    var weight = randomValues(c.k * c.k * c.cin * c.cout, seed: 2)
    var bias = randomValues(c.cout, seed: 3)
    let r = randomValues(outCount, seed: 4)
    // Two workers: the batch split and the ordered sum of weight-gradient partials are exercised.
    var scratch = [Float](repeating: 0, count: ConvScratchLayout.count(batch: c.n, height: c.h, width: c.w, cin: c.cin,
                                                                       cout: c.cout, k: c.k, threads: 2))
    var out = [Float](repeating: 0, count: outCount)
    func objective(_ x: [Float], _ weight: [Float], _ bias: [Float]) -> Double {
        conv2dForward(&out, &scratch, x, weight, bias, c.n, c.h, c.w, c.cin, c.cout, c.k, threads: 2)
        return weightedSum(out, r)
    }
    var dx = [Float](repeating: 0, count: inCount)
    var dw = [Float](repeating: 0, count: weight.count)
    var db = [Float](repeating: 0, count: c.cout)
    var dout = r
    conv2dBackward(&dx, &dw, &db, &scratch, &dout, nil, x, weight, c.n, c.h, c.w, c.cin, c.cout, c.k, threads: 2)
    let (w0, b0, x0) = (weight, bias, x)
    expectGradientsMatch(dx, variable: &x, "conv dx") { objective($0, w0, b0) }
    expectGradientsMatch(dw, variable: &weight, "conv dw") { objective(x0, $0, b0) }
    expectGradientsMatch(db, variable: &bias, "conv db") { objective(x0, w0, $0) }
}

@Test func trainConv2DMatchesDirectConvolution() {
    // The im2col path against a plain 7-loop convolution with Keras' SAME padding.
    let (n, h, w, cin, cout) = (2, 5, 6, 3, 4)
    for k in [1, 2, 3, 4] {
        let x = randomValues(n * h * w * cin, seed: 11), weight = randomValues(k * k * cin * cout, seed: 12)
        let bias = randomValues(cout, seed: 13)
        var scratch = [Float](repeating: 0, count: ConvScratchLayout.count(batch: n, height: h, width: w, cin: cin,
                                                                           cout: cout, k: k, threads: 1))
        var out = [Float](repeating: 0, count: n * h * w * cout)
        conv2dForward(&out, &scratch, x, weight, bias, n, h, w, cin, cout, k, threads: 1)
        let pad = (k - 1) / 2
        var worst: Float = 0
        for b in 0..<n { for y in 0..<h { for xx in 0..<w { for o in 0..<cout {
            var s = bias[o]
            for ky in 0..<k { for kx in 0..<k { for ci in 0..<cin {
                let iy = y + ky - pad, ix = xx + kx - pad
                if iy < 0 || iy >= h || ix < 0 || ix >= w { continue }
                s += x[((b * h + iy) * w + ix) * cin + ci] * weight[((ky * k + kx) * cin + ci) * cout + o]
            } } }
            worst = max(worst, abs(s - out[((b * h + y) * w + xx) * cout + o]))
        } } } }
        #expect(worst < 1e-5, "k=\(k): max difference \(worst)")
    }
}

@Test(arguments: [(1, 1, 1), (3, 5, 4), (4, 7, 9)])
func trainDenseGradients(_ dims: (Int, Int, Int)) {
    let (n, i, o) = dims
    var x = randomValues(n * i, seed: 21), weight = randomValues(i * o, seed: 22), bias = randomValues(o, seed: 23)
    let r = randomValues(n * o, seed: 24)
    var out = [Float](repeating: 0, count: n * o)
    func objective(_ x: [Float], _ weight: [Float], _ bias: [Float]) -> Double {
        denseForward(&out, x, weight, bias, n, i, o)
        return weightedSum(out, r)
    }
    var dx = [Float](repeating: 0, count: n * i), dw = [Float](repeating: 0, count: i * o), db = [Float](repeating: 0, count: o)
    denseBackward(&dx, &dw, &db, r, x, weight, n, i, o)
    let (w0, b0, x0) = (weight, bias, x)
    expectGradientsMatch(dx, variable: &x, "dense dx") { objective($0, w0, b0) }
    expectGradientsMatch(dw, variable: &weight, "dense dw") { objective(x0, $0, b0) }
    expectGradientsMatch(db, variable: &bias, "dense db") { objective(x0, w0, $0) }
}

@Test(arguments: [(6, 3), (300, 2), (1, 4), (40, 8), (270, 16)])
func trainBatchNormGradients(_ dims: (Int, Int)) {
    let (rows, c) = dims
    // One row has zero variance: rstd = 1/sqrt(eps) there, still smooth.
    var x = randomValues(rows * c, seed: 31, range: -2...2)
    var gamma = randomValues(c, seed: 32, range: 0.5...1.5), beta = randomValues(c, seed: 33)
    let r = randomValues(rows * c, seed: 34)
    var out = [Float](repeating: 0, count: rows * c), xhat = out
    var mean = [Float](repeating: 0, count: c), rstd = mean, mm = mean, mv = mean
    func objective(_ x: [Float], _ gamma: [Float], _ beta: [Float]) -> Double {
        batchNormForwardTraining(&out, &xhat, &mean, &rstd, &mm, &mv, x, gamma, beta, rows, c,
                                 momentum: 0.99, epsilon: 1e-3, threads: 2)
        return weightedSum(out, r)
    }
    _ = objective(x, gamma, beta)
    var dx = [Float](repeating: 0, count: rows * c), dg = [Float](repeating: 0, count: c), dbeta = dg
    batchNormBackward(&dx, &dg, &dbeta, r, xhat, rstd, gamma, rows, c, threads: 2)
    let (g0, b0, x0) = (gamma, beta, x)
    // Normalization couples every row, so per-element sensitivity is small for many rows: h=1e-2 still
    // resolves it because L is accumulated in Double.
    expectGradientsMatch(dx, variable: &x, "bn dx") { objective($0, g0, b0) }
    expectGradientsMatch(dg, variable: &gamma, "bn dgamma") { objective(x0, $0, b0) }
    expectGradientsMatch(dbeta, variable: &beta, "bn dbeta") { objective(x0, g0, $0) }
}

@Test func trainBatchNormMovingStatistics() {
    // One training pass moves the statistics by (1 - momentum) towards the batch mean and biased variance.
    let rows = 5, c = 2
    let x: [Float] = [1, 10, 2, 20, 3, 30, 4, 40, 5, 50]
    var out = [Float](repeating: 0, count: rows * c), xhat = out
    var mean: [Float] = [0, 0], rstd: [Float] = [0, 0], mm: [Float] = [0, 0], mv: [Float] = [1, 1]
    batchNormForwardTraining(&out, &xhat, &mean, &rstd, &mm, &mv, x, [1, 1], [0, 0], rows, c,
                             momentum: 0.99, epsilon: 1e-3, threads: 1)
    #expect(abs(mm[0] - 0.03) < 1e-6 && abs(mm[1] - 0.3) < 1e-5)
    #expect(abs(mv[0] - (0.99 + 0.01 * 2)) < 1e-6 && abs(mv[1] - (0.99 + 0.01 * 200)) < 1e-4)
    #expect(abs(rstd[0] - 1 / (2 + 1e-3 as Float).squareRoot()) < 1e-6)
}

@Test func trainMaxPoolGradients() {
    let (n, h, w, c, p) = (2, 5, 4, 3, 2)
    // Distinct values 0.05 apart (> 2h) so no perturbation changes a window's winner.
    var rng = TrainRandom(seed: 41)
    var x = rng.permutation(n * h * w * c).map { Float($0) * 0.05 }
    let outCount = n * (h / p) * (w / p) * c
    let r = randomValues(outCount, seed: 42)
    var out = [Float](repeating: 0, count: outCount)
    var argmax = [Int32](repeating: 0, count: outCount)
    maxPoolForward(&out, &argmax, x, n, h, w, c, p, threads: 2)
    var dx = [Float](repeating: 0, count: x.count)
    maxPoolBackward(&dx, r, argmax, outCount, threads: 2)
    expectGradientsMatch(dx, variable: &x, step: 1e-2, "maxpool dx") { v in
        maxPoolForward(&out, nil, v, n, h, w, c, p, threads: 1)
        return weightedSum(out, r)
    }
}

@Test func trainReLUAndSoftmaxGradients() {
    var x = randomValues(40, seed: 51).map { $0 >= 0 ? $0 + 0.05 : $0 - 0.05 }
    let r = randomValues(40, seed: 52)
    var out = [Float](repeating: 0, count: 40)
    reluForward(&out, x, 40, threads: 2)
    var dx = [Float](repeating: 0, count: 40)
    reluBackward(&dx, r, out, 40, threads: 2)
    expectGradientsMatch(dx, variable: &x, "relu dx") { v in
        reluForward(&out, v, 40, threads: 1)
        return weightedSum(out, r)
    }
    var z = randomValues(5 * 8, seed: 53, range: -3...3)
    softmaxForward(&out, z, 5, 8)
    var dz = [Float](repeating: 0, count: 40)
    softmaxBackward(&dz, r, out, 5, 8)
    expectGradientsMatch(dz, variable: &z, "softmax dz") { v in
        softmaxForward(&out, v, 5, 8)
        return weightedSum(out, r)
    }
}

@Test func trainDropoutGradientsAndScaling() {
    var x = randomValues(200, seed: 61)
    let r = randomValues(200, seed: 62)
    var out = [Float](repeating: 0, count: 200), mask = out
    var rng = TrainRandom(seed: 63)
    dropoutForward(&out, &mask, x, 200, rate: 0.6, random: &rng)
    let kept = mask.filter { $0 != 0 }
    #expect(kept.allSatisfy { abs($0 - 2.5) < 1e-6 }, "kept values scale by 1/(1-rate)")
    #expect((50...110).contains(kept.count), "about 40% kept: \(kept.count)")
    var dx = [Float](repeating: 0, count: 200)
    dropoutBackward(&dx, r, mask, 200)
    expectGradientsMatch(dx, variable: &x, "dropout dx") { v in
        var rng = TrainRandom(seed: 63)
        dropoutForward(&out, &mask, v, 200, rate: 0.6, random: &rng)
        return weightedSum(out, r)
    }
}

@Test(arguments: ["focal", "crossentropy"])
func trainLossGradients(_ name: String) {
    let n = 4, c = 8
    // Probabilities inside (eps, 1-eps) by more than h, one-hot and soft targets.
    var p = randomValues(n * c, seed: 71, range: 0.05...0.9)
    var y = [Float](repeating: 0, count: n * c)
    for i in 0..<2 { y[i * c + (i * 3) % c] = 1 }
    let soft = randomValues(2 * c, seed: 72, range: 0...1)
    for i in 2..<4 {
        let s = soft[(i - 2) * c..<(i - 1) * c].reduce(0, +)
        for j in 0..<c { y[i * c + j] = soft[(i - 2) * c + j] / s }
    }
    let loss: LossFunction = name == "focal" ? .focal(.reference) : .crossEntropy
    var dp = [Float](repeating: 0, count: n * c)
    _ = loss.evaluate(&dp, p, y, n, c)
    expectGradientsMatch(dp, variable: &p, step: 1e-3, "\(name) dp") { v in
        Double(loss.evaluate(nil, v, y, n, c))
    }
}

@Test func trainFocalLossByHand() {
    // One sample, two classes, values worked on paper: p = (0.8, 0.2), y = (1, 0), alpha (0.25, 0.6), gamma 2.
    // class 0: p_t 0.8, alpha_t 0.25, ce -log(0.8+eps); class 1: p_t 0.8, alpha_t 0.4, ce -log(0.8+eps).
    let loss = focalLoss(nil, [0.8, 0.2], [1, 0], 1, 2, gamma: 2, alpha: [0.25, 0.6])
    let ce = -log(0.8 + 1e-7)
    let expected = (0.25 + 0.4) * 0.04 * ce
    #expect(abs(Double(loss) - expected) < 1e-7)
}

@Test func trainConv2DBandedLargeImagesPassTheAdjointTest() {
    // 40x40x20 images exceed the per-worker column budget, so each is processed in row bands; the
    // bands must agree with the convolution's definition. Conv is linear in x and in the weights,
    // so backward is exact iff <dx, v> = <dout, conv(v; W)> and <dW, U> = <dout, conv(x; U)>
    // (bias 0); the two sides differ only by Float32 rounding over ~10^5-term sums.
    let (n, h, w, cin, cout, k) = (2, 40, 40, 20, 3, 3)
    let layout = ConvScratchLayout(batch: n, height: h, width: w, cin: cin, cout: cout, k: k, threads: 2)
    #expect(layout.bandRows < h, "the test must exercise bands")
    var scratch = [Float](repeating: 0, count: ConvScratchLayout.count(batch: n, height: h, width: w, cin: cin,
                                                                       cout: cout, k: k, threads: 2))
    let x = randomValues(n * h * w * cin, seed: 81), weight = randomValues(k * k * cin * cout, seed: 82)
    let v = randomValues(x.count, seed: 83), u = randomValues(weight.count, seed: 84)
    let dout = randomValues(n * h * w * cout, seed: 85), zero = [Float](repeating: 0, count: cout)
    var out = [Float](repeating: 0, count: dout.count)
    func dot(_ a: [Float], _ b: [Float]) -> Double { zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) } }
    conv2dForward(&out, &scratch, v, weight, zero, n, h, w, cin, cout, k, threads: 2)
    let jv = dot(dout, out)
    conv2dForward(&out, &scratch, x, u, zero, n, h, w, cin, cout, k, threads: 2)
    let ju = dot(dout, out)
    var dx = [Float](repeating: 7, count: x.count), dw = [Float](repeating: 0, count: weight.count), db = zero
    var g = dout
    conv2dBackward(&dx, &dw, &db, &scratch, &g, nil, x, weight, n, h, w, cin, cout, k, accumulate: false, threads: 2)
    #expect(abs(dot(dx, v) - jv) <= 1e-4 * abs(jv) + 1e-2, "<dx, v> \(dot(dx, v)) vs \(jv)")
    #expect(abs(dot(dw, u) - ju) <= 1e-4 * abs(ju) + 1e-2, "<dW, U> \(dot(dw, u)) vs \(ju)")
    #expect(abs(Double(db[0]) - (0..<n * h * w).reduce(0.0) { $0 + Double(dout[$1 * cout]) }) < 1e-2)
    // Forward against the direct definition at a few pixels, including band edges.
    conv2dForward(&out, &scratch, x, weight, zero, n, h, w, cin, cout, k, threads: 2)
    for (b, y, xx) in [(0, 0, 0), (1, layout.bandRows - 1, 5), (1, layout.bandRows, 39), (0, 39, 20)] {
        var s: Float = 0
        for ky in 0..<k { for kx in 0..<k { for ci in 0..<cin {
            let iy = y + ky - 1, ix = xx + kx - 1
            if iy < 0 || iy >= h || ix < 0 || ix >= w { continue }
            s += x[((b * h + iy) * w + ix) * cin + ci] * weight[((ky * k + kx) * cin + ci) * cout + 1]
        } } }
        #expect(abs(s - out[((b * h + y) * w + xx) * cout + 1]) < 1e-4, "pixel (\(b), \(y), \(xx))")
    }
}
