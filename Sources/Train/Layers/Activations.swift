import Foundation

// Elementwise activations and softmax. Legend: N = batch, C = classes.

/// out = max(x, 0), in place allowed.
public func reluForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ count: Int, threads: Int) {
    parallelFor(count, threads: threads, minimumPerThread: 16384) { range in
        for i in range { out[i] = max(inp[i], 0) }
    }
}

/// dinp += dout where the ReLU's output was positive. out: the saved forward output.
public func reluBackward(_ dinp: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>,
                         _ out: UnsafePointer<Float>, _ count: Int, threads: Int) {
    parallelFor(count, threads: threads, minimumPerThread: 16384) { range in
        for i in range where out[i] > 0 { dinp[i] += dout[i] }
    }
}

/// Row-wise softmax, max-subtracted for stability. out, inp: (N, C); in place allowed.
public func softmaxForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ n: Int, _ c: Int) {
    for r in 0..<n {
        let x = inp + r * c, y = out + r * c
        var m = -Float.infinity
        for j in 0..<c { m = max(m, x[j]) }
        var sum: Float = 0
        for j in 0..<c {
            y[j] = exp(x[j] - m)
            sum += y[j]
        }
        for j in 0..<c { y[j] /= sum }
    }
}

/// dinp += softmax Jacobian^T dout: dz_j = p_j * (dp_j - sum_k dp_k p_k). out: saved probabilities.
public func softmaxBackward(_ dinp: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>,
                            _ out: UnsafePointer<Float>, _ n: Int, _ c: Int) {
    for r in 0..<n {
        let p = out + r * c, g = dout + r * c, d = dinp + r * c
        var dot: Float = 0
        for j in 0..<c { dot += g[j] * p[j] }
        for j in 0..<c { d[j] += p[j] * (g[j] - dot) }
    }
}
