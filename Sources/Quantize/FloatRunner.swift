import Foundation
import Train

/// Runs a `LoweredGraph` in float32, one image at a time, and records each tensor's observed range
/// (TFLite calibration: the global min and max over all calibration images). Buffers are allocated
/// once per runner.
public final class FloatRunner {
    public let graph: LoweredGraph
    /// Observed [min, max] of the input and of each op's output (index 0 = input, k + 1 = op k).
    public private(set) var ranges: [(min: Float, max: Float)]
    /// Filled on runs after `startHistograms` (bins over the ranges observed until then).
    private(set) var histograms: [TensorHistogram] = []
    private var tensors: [[Float]]

    public init(graph: LoweredGraph) {
        self.graph = graph
        ranges = Array(repeating: (.infinity, -.infinity), count: graph.ops.count + 1)
        tensors = [[Float](repeating: 0, count: graph.input.count)] + graph.shapes.map { [Float](repeating: 0, count: $0.count) }
    }

    /// Runs one image (H·W·C values) and returns the output tensor; updates `ranges`.
    @discardableResult
    public func run(_ image: UnsafeBufferPointer<Float>) -> [Float] {
        precondition(image.count == graph.input.count, "image must have \(graph.input.count) values")
        for j in 0..<image.count { tensors[0][j] = image[j] }
        observe(0)
        for (k, op) in graph.ops.enumerated() {
            let inShape = graph.inputShape(of: k), outShape = graph.shapes[k]
            let input = tensors[k]
            tensors[k + 1].withUnsafeMutableBufferPointer { out in
                input.withUnsafeBufferPointer { inp in
                    switch op {
                    case .conv(let kernel, let bias, let size, let relu):
                        kernel.withUnsafeBufferPointer { w in
                            convSame(out, inp, w, bias, inShape, outShape.channels, size, relu)
                        }
                    case .mul(let m):
                        for j in 0..<out.count { out[j] = inp[j] * m[j % m.count] }
                    case .add(let a):
                        for j in 0..<out.count { out[j] = inp[j] + a[j % a.count] }
                    case .scaleShift(let m, let a):
                        for j in 0..<out.count { out[j] = inp[j] * m[j % m.count] + a[j % a.count] }
                    case .maxPool(let p):
                        maxPool(out, inp, inShape, outShape, p)
                    case .reshape:
                        for j in 0..<out.count { out[j] = inp[j] }
                    case .dense(let kernel, let bias, let relu):
                        kernel.withUnsafeBufferPointer { w in dense(out, inp, w, bias, relu) }
                    case .softmax:
                        softmax(out, inp, outShape.channels)
                    }
                }
            }
            observe(k + 1)
        }
        return tensors[graph.ops.count]
    }

    /// Freezes the observed ranges as histogram bounds; later `run`s fill one histogram per tensor.
    func startHistograms(bins: Int = 2048) {
        histograms = ranges.map { TensorHistogram(lo: $0.min, hi: $0.max, bins: bins) }
    }

    private func observe(_ t: Int) {
        if !histograms.isEmpty {
            histograms[t].add(tensors[t])
            return
        }
        var lo = ranges[t].min, hi = ranges[t].max
        for v in tensors[t] {
            lo = min(lo, v)
            hi = max(hi, v)
        }
        ranges[t] = (lo, hi)
    }
}

/// Conv, stride 1, SAME padding ((k−1)/2 before, as TFLite and Keras for odd k), kernel (kh, kw, cin, cout).
private func convSame(_ out: UnsafeMutableBufferPointer<Float>, _ inp: UnsafeBufferPointer<Float>,
                      _ w: UnsafeBufferPointer<Float>, _ bias: [Float], _ s: Shape3, _ cout: Int, _ k: Int, _ relu: Bool) {
    let pad = (k - 1) / 2, cin = s.channels
    let o = out.baseAddress!, x = inp.baseAddress!, kw = w.baseAddress!
    for y in 0..<s.height {
        for xx in 0..<s.width {
            let acc = o + (y * s.width + xx) * cout
            for c in 0..<cout { acc[c] = bias[c] }
            for ky in 0..<k {
                let iy = y + ky - pad
                guard iy >= 0 && iy < s.height else { continue }
                for kx in 0..<k {
                    let ix = xx + kx - pad
                    guard ix >= 0 && ix < s.width else { continue }
                    let px = x + (iy * s.width + ix) * cin
                    let wrow = kw + (ky * k + kx) * cin * cout
                    for ci in 0..<cin {
                        let v = px[ci], wr = wrow + ci * cout
                        for c in 0..<cout { acc[c] += v * wr[c] }
                    }
                }
            }
            if relu { for c in 0..<cout { acc[c] = max(acc[c], 0) } }
        }
    }
}

private func maxPool(_ out: UnsafeMutableBufferPointer<Float>, _ inp: UnsafeBufferPointer<Float>, _ s: Shape3, _ o: Shape3, _ p: Int) {
    let c = s.channels
    for y in 0..<o.height {
        for x in 0..<o.width {
            for ch in 0..<c {
                var m = -Float.infinity
                for dy in 0..<p {
                    for dx in 0..<p { m = max(m, inp[((y * p + dy) * s.width + x * p + dx) * c + ch]) }
                }
                out[(y * o.width + x) * c + ch] = m
            }
        }
    }
}

/// Dense; kernel (in, out) row-major.
private func dense(_ out: UnsafeMutableBufferPointer<Float>, _ inp: UnsafeBufferPointer<Float>, _ w: UnsafeBufferPointer<Float>,
                   _ bias: [Float], _ relu: Bool) {
    let n = out.count
    for o in 0..<n { out[o] = bias[o] }
    let o = out.baseAddress!
    for i in 0..<inp.count {
        let v = inp[i]
        guard v != 0 else { continue }
        let row = w.baseAddress! + i * n
        for j in 0..<n { o[j] += v * row[j] }
    }
    if relu { for j in 0..<n { o[j] = max(o[j], 0) } }
}

private func softmax(_ out: UnsafeMutableBufferPointer<Float>, _ inp: UnsafeBufferPointer<Float>, _ c: Int) {
    var start = 0
    while start < inp.count {
        var m = -Float.infinity
        for j in 0..<c { m = max(m, inp[start + j]) }
        var sum: Float = 0
        for j in 0..<c {
            let e = expf(inp[start + j] - m)
            out[start + j] = e
            sum += e
        }
        for j in 0..<c { out[start + j] /= sum }
        start += c
    }
}
