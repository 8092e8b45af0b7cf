// Elementwise loops written with 8-lane SIMD: the plain scalar forms of these selects did not
// vectorize (perf showed scalar movss loops), and 8 lanes lower to two SSE ops per step on the
// default x86-64 target (see shared/guides/swift-c-bindings.md on SIMD widths).

/// g[i] = out[i] > 0 ? g[i] : 0 (ReLU backward in place).
@inline(__always) func maskWherePositive(_ g: UnsafeMutablePointer<Float>, _ out: UnsafePointer<Float>, _ n: Int) {
    var i = 0
    let rg = UnsafeMutableRawPointer(g), ro = UnsafeRawPointer(out)
    while i + 8 <= n {
        let o = ro.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
        let v = rg.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
        rg.storeBytes(of: v.replacing(with: 0, where: o .<= 0), toByteOffset: i * 4, as: SIMD8<Float>.self)
        i += 8
    }
    while i < n {
        if !(out[i] > 0) { g[i] = 0 }
        i += 1
    }
}

/// x[i] = max(x[i], 0).
@inline(__always) func reluInPlace(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
    var i = 0
    let r = UnsafeMutableRawPointer(x)
    while i + 8 <= n {
        let v = r.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
        r.storeBytes(of: v.replacing(with: 0, where: v .< 0), toByteOffset: i * 4, as: SIMD8<Float>.self)
        i += 8
    }
    while i < n {
        x[i] = max(x[i], 0)
        i += 1
    }
}

/// Each of `rows` rows of x (rows x c) gets `bias` added, then ReLU when `relu`.
@inline(__always) func addBias(_ x: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, rows: Int, _ c: Int,
                               relu: Bool) {
    if c % 8 != 0 {
        for r in 0..<rows {
            let row = x + r * c
            for j in 0..<c { row[j] = relu ? max(row[j] + bias[j], 0) : row[j] + bias[j] }
        }
        return
    }
    let rb = UnsafeRawPointer(bias)
    for r in 0..<rows {
        let row = UnsafeMutableRawPointer(x + r * c)
        var j = 0
        while j < c {
            var v = row.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
                + rb.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
            if relu { v = v.replacing(with: 0, where: v .< 0) }
            row.storeBytes(of: v, toByteOffset: j * 4, as: SIMD8<Float>.self)
            j += 8
        }
    }
}

/// best = max(best, x) per lane, recording `base + lane` in index where x wins (strictly greater,
/// so the first maximum in window order is kept). c must be a multiple of 8.
@inline(__always) func maxWithIndex(_ best: UnsafeMutablePointer<Float>, _ index: UnsafeMutablePointer<Int32>,
                                    _ x: UnsafePointer<Float>, base: Int32, _ c: Int) {
    let rb = UnsafeMutableRawPointer(best), ri = UnsafeMutableRawPointer(index), rx = UnsafeRawPointer(x)
    let lanes = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7)
    var j = 0
    while j < c {
        let b = rb.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
        let v = rx.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
        let wins = v .> b
        rb.storeBytes(of: b.replacing(with: v, where: wins), toByteOffset: j * 4, as: SIMD8<Float>.self)
        let idx = ri.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Int32>.self)
        let candidate = SIMD8<Int32>(repeating: base + Int32(j)) &+ lanes
        ri.storeBytes(of: idx.replacing(with: candidate, where: wins), toByteOffset: j * 4, as: SIMD8<Int32>.self)
        j += 8
    }
}
