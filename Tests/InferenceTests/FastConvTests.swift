import CInt8Kernels
import Inference
import Testing

/// Deterministic generator for test data (SplitMix64).
struct FastTestRandom {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }
    mutating func int8s(_ count: Int, in range: ClosedRange<Int> = -128...127) -> [Int8] {
        (0..<count).map { _ in Int8(int(range)) }
    }
}

/// One awkward convolution or matrix case; `batch` images (GEMM rows for fully connected).
struct FastConvCase: CustomStringConvertible, Sendable {
    var name: String
    var geometry: FastConvGeometry
    var batch = 1
    var rounding = FastRounding.double
    var fusedTable = false
    var extremes = false
    /// Multipliers of exactly 0.5 · 2^shift, so that many results are rounding ties; `relu`
    /// clamps at the output zero point (the fused RELU case), else the clamp is wider.
    var ties: (relu: Bool, on: Bool) = (false, false)

    var description: String { name }

    static func gemm(m: Int, k: Int, n: Int, rounding: FastRounding = .singleQ31) -> FastConvCase {
        FastConvCase(name: "gemm M\(m) K\(k) N\(n) \(rounding)", geometry: .fullyConnected(inputs: k, outputs: n),
                     batch: m, rounding: rounding)
    }

    static func conv(_ name: String, h: Int, w: Int, cin: Int, cout: Int, k: (Int, Int), stride: (Int, Int) = (1, 1),
                     dilation: (Int, Int) = (1, 1), same: Bool, batch: Int = 1) -> FastConvCase {
        let effH = (k.0 - 1) * dilation.0 + 1, effW = (k.1 - 1) * dilation.1 + 1
        let outH = same ? (h + stride.0 - 1) / stride.0 : (h - effH) / stride.0 + 1
        let outW = same ? (w + stride.1 - 1) / stride.1 : (w - effW) / stride.1 + 1
        // TFLite SAME padding: total = max((out - 1) * stride + eff - in, 0), the smaller half first.
        let padH = same ? max((outH - 1) * stride.0 + effH - h, 0) / 2 : 0
        let padW = same ? max((outW - 1) * stride.1 + effW - w, 0) / 2 : 0
        let g = FastConvGeometry(inHeight: h, inWidth: w, inChannels: cin, outHeight: outH, outWidth: outW,
                                 outChannels: cout, kernelHeight: k.0, kernelWidth: k.1, strideHeight: stride.0,
                                 strideWidth: stride.1, dilationHeight: dilation.0, dilationWidth: dilation.1,
                                 padTop: padH, padLeft: padW)
        return FastConvCase(name: name, geometry: g, batch: batch)
    }

    /// Random weights, inputs and per-channel requantization, reproducible from the case name.
    func data() -> (weights: [Int8], input: [Int8], requant: FastRequant) {
        var rng = FastTestRandom(state: UInt64(truncatingIfNeeded: name.hashValueStable))
        let n = geometry.outChannels
        let weights = extremes ? (0..<geometry.weightCount).map { _ in rng.next() & 1 == 0 ? Int8(-128) : 127 }
                               : rng.int8s(geometry.weightCount)
        let input = extremes ? (0..<batch * geometry.inputCount).map { _ in rng.next() & 1 == 0 ? Int8(-128) : 127 }
                             : rng.int8s(batch * geometry.inputCount)
        let bias = (0..<n).map { _ in Int32(rng.int(-40_000...40_000)) }
        let multiplier = (0..<n).map { _ in Int32(rng.int((1 << 30)...(Int(Int32.max)))) }
        let shift = (0..<n).map { _ in Int32(rng.int(-14...1)) }
        var lo = Int32(rng.int(-128...0)), hi = Int32(rng.int(0...127))
        let table = fusedTable ? rng.int8s(n * 256) : nil
        var outputZeroPoint = Int32(rng.int(-128...127))
        var requant = FastRequant(bias: rng.int(0...3) == 0 ? nil : bias, multiplier: multiplier, shift: shift,
                                  inputZeroPoint: Int32(rng.int(-128...127)), outputZeroPoint: outputZeroPoint,
                                  activationMin: lo, activationMax: hi, rounding: rounding, postTable: table)
        if ties.on {
            outputZeroPoint = Int32(rng.int(-20...20))
            (lo, hi) = ties.relu ? (outputZeroPoint, 127) : (-128, 127)
            requant = FastRequant(bias: bias.map { $0 / 64 }, multiplier: [Int32](repeating: 1 << 30, count: n),
                                  shift: (0..<n).map { _ in Int32(rng.int(-12 ... -7)) }, inputZeroPoint: 0,
                                  outputZeroPoint: outputZeroPoint, activationMin: lo, activationMax: hi, rounding: rounding)
        }
        return (weights, input, requant)
    }
}

extension String {
    /// FNV-1a: stable across runs, unlike `hashValue`.
    var hashValueStable: UInt64 { utf8.reduce(0xCBF2_9CE4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 } }
}

let fastGemmCases: [FastConvCase] = {
    var cases: [FastConvCase] = []
    let sizes = [1, 2, 3, 5, 7, 8, 9, 10, 15, 16, 17, 31, 33]
    for (i, m) in sizes.enumerated() {
        let k = sizes[(i * 5 + 3) % sizes.count] * (i % 3 == 0 ? 1 : 4)
        let n = sizes[(i * 7 + 1) % sizes.count] + (i % 2 == 0 ? 0 : 32)
        cases.append(.gemm(m: m, k: k, n: n, rounding: i % 2 == 0 ? .singleQ31 : .double))
    }
    cases += [.gemm(m: 1, k: 512, n: 512), .gemm(m: 8, k: 512, n: 8), .gemm(m: 3, k: 4097, n: 3),
              .gemm(m: 4, k: 63, n: 65), .gemm(m: 64, k: 1152, n: 128, rounding: .double),
              .gemm(m: 6, k: 1, n: 1), .gemm(m: 1, k: 1, n: 100)]
    var extreme = FastConvCase.gemm(m: 9, k: 2049, n: 35, rounding: .double)
    extreme.name += " extremes"
    extreme.extremes = true
    cases.append(extreme)
    return cases
}()

let fastConvCases: [FastConvCase] = {
    var cases: [FastConvCase] = [
        .conv("3x3 same cin1 cout32 9x7", h: 9, w: 7, cin: 1, cout: 32, k: (3, 3), same: true),
        .conv("3x3 same cin32 cout64 6x5", h: 6, w: 5, cin: 32, cout: 64, k: (3, 3), same: true),
        .conv("3x3 same cin16 cout8 5x5 batch3", h: 5, w: 5, cin: 16, cout: 8, k: (3, 3), same: true, batch: 3),
        .conv("3x3 valid s2 cin3 cout6 13x11", h: 13, w: 11, cin: 3, cout: 6, k: (3, 3), stride: (2, 2), same: false),
        .conv("3x3 same d2 cin2 cout4 10x10", h: 10, w: 10, cin: 2, cout: 4, k: (3, 3), dilation: (2, 2), same: true),
        .conv("3x3 same d(1,2) cin12 cout17 7x9", h: 7, w: 9, cin: 12, cout: 17, k: (3, 3), dilation: (1, 2), same: true),
        .conv("1x1 s2 cin8 cout16 9x9", h: 9, w: 9, cin: 8, cout: 16, k: (1, 1), stride: (2, 2), same: true),
        .conv("5x3 s(2,1) cin5 cout33 11x8", h: 11, w: 8, cin: 5, cout: 33, k: (5, 3), stride: (2, 1), same: true),
        .conv("3x3 same cin6 cout9 1x1", h: 1, w: 1, cin: 6, cout: 9, k: (3, 3), same: true),
        .conv("2x2 s2 same cin4 cout31 5x6 batch2", h: 5, w: 6, cin: 4, cout: 31, k: (2, 2), stride: (2, 2), same: true, batch: 2),
        .conv("3x3 same cin128 cout128 4x4", h: 4, w: 4, cin: 128, cout: 128, k: (3, 3), same: true),
    ]
    for relu in [true, false] {
        for rounding in [FastRounding.double, .singleQ31] {
            var c = FastConvCase.conv("3x3 same cin16 cout48 7x7 ties relu \(relu) \(rounding)", h: 7, w: 7, cin: 16, cout: 48,
                                      k: (3, 3), same: true)
            c.ties = (relu, true)
            c.rounding = rounding
            cases.append(c)
        }
    }
    var fused = FastConvCase.conv("3x3 same cin8 cout40 6x6 fused table", h: 6, w: 6, cin: 8, cout: 40, k: (3, 3), same: true)
    fused.fusedTable = true
    cases.append(fused)
    return cases
}()

@Suite("Fast int8 convolution kernels agree exactly with the scalar reference")
struct FastConvTests {
    @Test("GEMM shapes, every available kernel", arguments: fastGemmCases)
    func gemmMatchesReference(_ c: FastConvCase) throws {
        try checkAllKinds(c)
    }

    @Test("convolution shapes, every available kernel", arguments: fastConvCases)
    func convMatchesReference(_ c: FastConvCase) throws {
        try checkAllKinds(c)
    }

    @Test("two threads give the same bytes as one")
    func twoThreadsMatchOne() throws {
        let pool = FastThreadPool(threads: 2)
        for c in [fastConvCases[1], fastConvCases[2], fastGemmCases[4]] {
            let (weights, input, requant) = c.data()
            let conv = try FastConv(geometry: c.geometry, weights: weights, requant: requant)
            #expect(conv.run(input, batch: c.batch, pool: pool) == conv.run(input, batch: c.batch), "\(c)")
        }
    }

    @Test("pools survive many short rounds and being destroyed before their workers ever ran")
    func poolLifecycle() throws {
        for _ in 0..<20 { _ = FastThreadPool(threads: 2) }  // created and destroyed at once
        let c = fastConvCases[2]
        let (weights, input, requant) = c.data()
        let conv = try FastConv(geometry: c.geometry, weights: weights, requant: requant)
        let expected = conv.run(input, batch: c.batch)
        for threads in [2, 3] {
            let pool = FastThreadPool(threads: threads)
            for _ in 0..<300 { #expect(conv.run(input, batch: c.batch, pool: pool) == expected) }
        }
    }

    @Test("the best kernel is one this CPU runs, and scalar is always there")
    func dispatch() {
        #expect(FastKernelKind.best.isAvailable)
        #expect(FastKernelKind.available.contains(.scalar))
        #if arch(x86_64)
        #expect(!FastKernelKind.neon.isAvailable && !FastKernelKind.neonDot.isAvailable)
        #endif
    }

    @Test("inconsistent arguments are typed errors")
    func badArguments() {
        let g = FastConvGeometry.fullyConnected(inputs: 4, outputs: 2)
        let rq = FastRequant(bias: nil, multiplier: [1 << 30, 1 << 30], shift: [0, 0], inputZeroPoint: 0,
                             outputZeroPoint: 0, rounding: .double)
        #expect(throws: FastKernelError.sizeMismatch(field: "weights", expected: 8, actual: 7)) {
            try FastConv(geometry: g, weights: [Int8](repeating: 1, count: 7), requant: rq)
        }
        var bad = g
        bad.strideWidth = 0
        #expect(throws: FastKernelError.self) { try FastConv(geometry: bad, weights: [Int8](repeating: 1, count: 8), requant: rq) }
        var shifted = rq
        shifted.shift = [0, 31]
        #expect(throws: FastKernelError.outOfRange(field: "shift", value: 31)) {
            try FastConv(geometry: g, weights: [Int8](repeating: 1, count: 8), requant: shifted)
        }
    }

    private func checkAllKinds(_ c: FastConvCase) throws {
        let (weights, input, requant) = c.data()
        let expected = FastConv.reference(geometry: c.geometry, weights: weights, requant: requant, input: input, batch: c.batch)
        // The reference must not be trivially constant, or agreement would prove little.
        #expect(Set(expected).count > 1 || expected.count < 4, "\(c): degenerate reference output")
        for kind in FastKernelKind.available {
            let conv = try FastConv(geometry: c.geometry, weights: weights, requant: requant, kind: kind)
            let got = conv.run(input, batch: c.batch)
            if let i = got.indices.first(where: { got[$0] != expected[$0] }) {
                Issue.record("\(c) kind \(kind): first difference at \(i): \(got[i]) vs reference \(expected[i])")
            }
        }
    }
}

@Suite("Fast convolution with a fused max pool")
struct FastConvPoolTests {
    /// (source size, pool filter, pool stride, clamp): even, odd (clipped windows) and overlapping pools.
    static let cases: [(h: Int, w: Int, f: Int, s: Int, lo: Int32, hi: Int32)] = [
        (8, 8, 2, 2, -128, 127), (9, 7, 2, 2, -128, 127), (9, 9, 3, 2, -20, 100), (5, 6, 1, 1, -128, 127),
    ]

    @Test("pool then conv equals i8k_max_pool followed by the reference conv", arguments: 0..<4)
    func matchesSeparatePool(_ index: Int) throws {
        let p = Self.cases[index]
        let outH = (p.h - p.f) / p.s + 1 + ((p.h - p.f) % p.s == 0 ? 0 : 1), outW = (p.w - p.f) / p.s + 1 + ((p.w - p.f) % p.s == 0 ? 0 : 1)
        var c = FastConvCase.conv("pool \(index)", h: outH, w: outW, cin: 12, cout: 33, k: (3, 3), same: true, batch: 2)
        c.fusedTable = index % 2 == 1
        let (weights, _, requant) = c.data()
        var rng = FastTestRandom(state: UInt64(index))
        let source = rng.int8s(c.batch * p.h * p.w * 12)
        var pooled = [Int8](repeating: 0, count: c.batch * outH * outW * 12)
        source.withUnsafeBufferPointer { src in
            pooled.withUnsafeMutableBufferPointer { dst in
                i8k_max_pool(src.baseAddress, Int32(c.batch), Int32(p.h), Int32(p.w), 12, Int32(p.f), Int32(p.f), Int32(p.s), Int32(p.s),
                             Int32(outH), Int32(outW), p.lo, p.hi, dst.baseAddress)
            }
        }
        let expected = FastConv.reference(geometry: c.geometry, weights: weights, requant: requant, input: pooled, batch: c.batch)
        for kind in FastKernelKind.available {
            let conv = try FastConv(geometry: c.geometry, weights: weights, requant: requant, kind: kind)
            do {
                try conv.fuseMaxPool(sourceHeight: p.h, sourceWidth: p.w, filterHeight: p.f, filterWidth: p.f, strideHeight: p.s,
                                     strideWidth: p.s, activationMin: p.lo, activationMax: p.hi)
            } catch {
                // The AVX2 kernel copies its input widened to int16 and keeps the pool a separate pass.
                #expect(kind == .avx2, "\(kind) refused the pool: \(error)")
                continue
            }
            #expect(conv.run(source, batch: c.batch) == expected, "\(kind) case \(index)")
        }
    }
}
