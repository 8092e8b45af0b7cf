import Testing
import QuantMath
import Inference

// Hand-checkable cases for each reference kernel, plus the conv accumulator against an
// independent naive loop over a table of awkward shapes.

private let one = QuantizedMultiplier(1.0)!

private func conv(_ input: [Int8], _ filter: [Int8], bias: [Int32]? = nil, _ p: ConvParameters) -> [Int8] {
    var out = [Int8](repeating: 0, count: p.outputPositions * p.outputChannels)
    var acc = [Int32](repeating: 0, count: out.count)
    let multipliers = [QuantizedMultiplier](repeating: one, count: p.outputChannels)
    conv2DReference(output: &out, input: input, filter: filter, bias: bias, multipliers: multipliers, params: p,
                    batches: 1, acc: &acc)
    return out
}

@Test func convSamePaddingCountsOnlyInBoundsTaps() {
    // 3x3 of ones, 3x3 filter of ones, SAME: corners see 4 taps, edges 6, the centre 9.
    let p = ConvParameters(inputHeight: 3, inputWidth: 3, inputChannels: 1, outputHeight: 3, outputWidth: 3,
                           outputChannels: 1, filterHeight: 3, filterWidth: 3, padTop: 1, padLeft: 1)
    #expect(conv([Int8](repeating: 1, count: 9), [Int8](repeating: 1, count: 9), p) == [4, 6, 4, 6, 9, 6, 4, 6, 4])
}

@Test func convInputOffsetBiasAndClamp() {
    // Input at its zero point (-128, offset +128) is real zero: the output is the bias, clamped.
    var p = ConvParameters(inputHeight: 2, inputWidth: 2, inputChannels: 1, outputHeight: 2, outputWidth: 2,
                           outputChannels: 2, filterHeight: 1, filterWidth: 1, inputOffset: 128, outputOffset: -10)
    #expect(conv([-128, -128, -128, -128], [5, -7], bias: [3, -200], p) == [-7, -128, -7, -128, -7, -128, -7, -128])
    p.activationMin = -10  // fused ReLU at the output zero point
    #expect(conv([-127, -126, -128, -128], [5, -7], bias: [0, 0], p) == [-5, -10, 0, -10, -10, -10, -10, -10])
}

@Test func convStrideAndDilation() {
    let input = (0..<25).map { Int8($0) }  // 5x5, value = 5y + x
    // 3x3 dilation 2 VALID on 5x5 → 1x1: the nine taps at even rows/columns.
    let dilated = ConvParameters(inputHeight: 5, inputWidth: 5, inputChannels: 1, outputHeight: 1, outputWidth: 1,
                                 outputChannels: 1, filterHeight: 3, filterWidth: 3, dilationH: 2, dilationW: 2)
    #expect(conv(input, [Int8](repeating: 1, count: 9), dilated) == [0 + 2 + 4 + 10 + 12 + 14 + 20 + 22 + 24])
    // 1x1 stride 2 VALID on 5x5 → 3x3 subsampling.
    let strided = ConvParameters(inputHeight: 5, inputWidth: 5, inputChannels: 1, outputHeight: 3, outputWidth: 3,
                                 outputChannels: 1, filterHeight: 1, filterWidth: 1, strideH: 2, strideW: 2)
    #expect(conv(input, [1], strided) == [0, 2, 4, 10, 12, 14, 20, 22, 24])
}

@Test(arguments: [(4, 3, 2, 1, false), (5, 5, 1, 1, true), (13, 11, 2, 1, false), (10, 10, 1, 2, true), (9, 8, 2, 3, true)])
func windowGeometryMatchesTFLite(input: Int, filter: Int, stride: Int, dilation: Int, same: Bool) {
    let g = windowGeometry(inputSize: input, filterSize: filter, stride: stride, dilation: dilation, same: same)
    let effective = (filter - 1) * dilation + 1
    #expect(g.output == (same ? (input + stride - 1) / stride : (input - effective) / stride + 1))
    // The last window ends inside the padded input.
    let padded = max(input, (g.output - 1) * stride + effective)
    #expect(g.padBefore == (padded - input) / 2)
}

/// An independent CONV_2D accumulator written with Int arithmetic and explicit bounds tests.
private func naiveConvAccumulate(_ input: [Int8], _ filter: [Int8], _ bias: [Int32], _ p: ConvParameters) -> [Int32] {
    var out: [Int32] = []
    for oy in 0..<p.outputHeight {
        for ox in 0..<p.outputWidth {
            for oc in 0..<p.outputChannels {
                var sum = Int(bias[oc])
                for ky in 0..<p.filterHeight {
                    for kx in 0..<p.filterWidth {
                        let y = oy * p.strideH - p.padTop + ky * p.dilationH
                        let x = ox * p.strideW - p.padLeft + kx * p.dilationW
                        guard (0..<p.inputHeight).contains(y), (0..<p.inputWidth).contains(x) else { continue }
                        for ic in 0..<p.inputChannels {
                            let v = Int(input[(y * p.inputWidth + x) * p.inputChannels + ic]) + Int(p.inputOffset)
                            let w = Int(filter[((oc * p.filterHeight + ky) * p.filterWidth + kx) * p.inputChannels + ic])
                            sum += v * w
                        }
                    }
                }
                out.append(Int32(sum))
            }
        }
    }
    return out
}

/// Shapes that break kernels: sizes 1-10, 2^k±1, depth 1 and deep, strides, dilation, SAME/VALID.
@Test(arguments: [
    (1, 1, 1, 1, 1, 1, 1, false), (7, 5, 3, 4, 3, 1, 1, true), (9, 9, 17, 15, 3, 2, 1, true),
    (8, 3, 1, 33, 3, 1, 2, true), (6, 10, 31, 1, 5, 3, 1, false), (4, 4, 65, 2, 1, 1, 1, false),
    (3, 7, 2, 9, 3, 2, 2, true), (10, 1, 129, 3, 1, 1, 1, true),
])
func convAccumulatorMatchesNaiveLoop(h: Int, w: Int, inC: Int, outC: Int, k: Int, stride: Int, dilation: Int, same: Bool) {
    let rows = windowGeometry(inputSize: h, filterSize: k, stride: stride, dilation: dilation, same: same)
    let cols = windowGeometry(inputSize: w, filterSize: min(k, w), stride: stride, dilation: dilation, same: same)
    guard rows.output > 0, cols.output > 0 else { return }
    let p = ConvParameters(inputHeight: h, inputWidth: w, inputChannels: inC, outputHeight: rows.output,
                           outputWidth: cols.output, outputChannels: outC, filterHeight: k, filterWidth: min(k, w),
                           strideH: stride, strideW: stride, dilationH: dilation, dilationW: dilation,
                           padTop: rows.padBefore, padLeft: cols.padBefore, inputOffset: 37)
    var rng = SplitMix64(seed: UInt64(h * 1000 + w * 100 + inC))
    // Extremes included: -128 and 127 saturate the products.
    let input = (0..<h * w * inC).map { _ in Int8(truncatingIfNeeded: rng.next()) }
    let filter = (0..<outC * k * min(k, w) * inC).map { _ in Int8(truncatingIfNeeded: rng.next()) }
    let bias = (0..<outC).map { _ in Int32(truncatingIfNeeded: rng.next() % 20_000) - 10_000 }
    var acc = [Int32](repeating: 0, count: p.outputPositions * outC)
    conv2DAccumulate(acc: &acc, input: input, filter: filter, bias: bias, params: p, batches: 1)
    #expect(acc == naiveConvAccumulate(input, filter, bias, p))
}

@Test func depthwiseMultiplierReadsItsInputChannel() {
    // 1x1 spatial, 2 input channels, multiplier 2: output c·2+m = input[c] · w[c·2+m].
    let p = ConvParameters(inputHeight: 1, inputWidth: 1, inputChannels: 2, outputHeight: 1, outputWidth: 1,
                           outputChannels: 4, filterHeight: 1, filterWidth: 1, depthMultiplier: 2)
    var out = [Int8](repeating: 0, count: 4)
    depthwiseConv2DReference(output: &out, input: [3, -5], filter: [1, 2, 3, 4], bias: [0, 0, 0, 100],
                             multipliers: [one, one, one, one], params: p, batches: 1)
    #expect(out == [3, 6, -15, 80])
}

@Test func fullyConnectedRowsAndSingleRounding() throws {
    let p = FullyConnectedParameters(depth: 3, units: 2, inputOffset: 1, outputOffset: 0)
    var out = [Int8](repeating: 0, count: 4)
    var acc = [Int32](repeating: 0, count: 4)
    let half = try #require(QuantizedMultiplier(0.5))
    // Rows [0,0,0] and [1,2,3] shifted by +1: [1,1,1]·[1,2,3] = 6, [1,1,1]·[-1,0,1] = 0, ...
    fullyConnectedReference(output: &out, input: [0, 0, 0, 1, 2, 3], weights: [1, 2, 3, -1, 0, 1], bias: [1, -1],
                            multipliers: [half, half], params: p, batches: 2, acc: &acc)
    #expect(acc == [7, -1, 21, 1])
    // 7/2 = 3.5 → 4 and -1/2 = -0.5 → 0 (single rounding rounds ties up).
    #expect(out == [4, 0, 11, 1])
}

@Test func poolsCountOnlyInBoundsTaps() {
    // 3x3 input, 2x2 windows stride 2 SAME: output 2x2, the right/bottom windows are partial.
    let input: [Int8] = [1, 2, 3, 4, 5, 6, 7, 8, -9]
    let p = PoolParameters(inputHeight: 3, inputWidth: 3, channels: 1, outputHeight: 2, outputWidth: 2,
                           filterHeight: 2, filterWidth: 2, strideH: 2, strideW: 2)
    var out = [Int8](repeating: 0, count: 4)
    maxPool2DReference(output: &out, input: input, params: p, batches: 1)
    #expect(out == [5, 6, 8, -9])
    averagePool2DReference(output: &out, input: input, params: p, batches: 1)
    // (1+2+4+5)/4 = 3; (3+6)/2 = 4.5 → 5; (7+8)/2 = 7.5 → 8; -9/1.
    #expect(out == [3, 5, 8, -9])
    averagePool2DReference(output: &out, input: [-1, -2, -3, -4, -5, -6, -7, -8, -9], params: p, batches: 1)
    #expect(out == [-3, -5, -8, -9])  // ties away from zero on the negative side too
}

@Test func meanRoundsTwice() throws {
    let p = try #require(MeanParameters(inputShape: [1, 2, 2, 1], axes: [1, 2], inputScale: 1, inputZeroPoint: 0,
                                        outputScale: 1, outputZeroPoint: 0))
    var out: [Int8] = [0]
    var acc: [Int32] = [0]
    meanReference(output: &out, input: [1, 2, 3, 4], params: p, acc: &acc)
    #expect(out == [3])  // 10 · 0.25 = 2.5 → 3
    let perChannel = try #require(MeanParameters(inputShape: [1, 2, 2], axes: [1], inputScale: 1, inputZeroPoint: -1,
                                                 outputScale: 1, outputZeroPoint: 5))
    var out2: [Int8] = [0, 0]
    var acc2: [Int32] = [0, 0]
    meanReference(output: &out2, input: [1, 10, 3, 20], params: perChannel, acc: &acc2)
    #expect(out2 == [8, 21])  // (2+4)/2 + 5, (11+21)/2 + 5
}

@Test func addAndMulBroadcast() throws {
    let plan = try #require(BroadcastPlan([2, 2], [2]))
    #expect(plan.outputCount == 4)
    let add = try #require(AddParameters(scale1: 1, zeroPoint1: 0, scale2: 1, zeroPoint2: 0, outputScale: 1, outputZeroPoint: 0))
    var out = [Int8](repeating: 0, count: 4)
    addReference(output: &out, input1: [1, 2, 3, 4], input2: [10, 100], plan: plan, params: add)
    #expect(out == [11, 102, 13, 104])
    let mul = try #require(MulParameters(scale1: 1, zeroPoint1: 0, scale2: 0.5, zeroPoint2: 0, outputScale: 1, outputZeroPoint: -1))
    mulReference(output: &out, input1: [1, 2, 3, 4], input2: [10, 100], plan: plan, params: mul)
    #expect(out == [4, 99, 14, 127])  // 5-1, 100-1, 15-1, 200-1 saturated
    #expect(BroadcastPlan([2, 3], [2]) == nil)
}

@Test func softmaxOfEqualValuesSplitsEvenly() {
    let p = SoftmaxParameters(rowLength: 2, inputScale: 0.1, beta: 1, outputScale: 1.0 / 256, outputZeroPoint: -128)
    var out = [Int8](repeating: 0, count: 4)
    softmaxReference(output: &out, input: [7, 7, -128, 127], rows: 2, params: p)
    #expect(out[0] == 0 && out[1] == 0)  // 0.5 · 256 − 128
    #expect(out[2] == -128 && out[3] == 127)  // e^-25.5 ≈ 0 and 1.0 · 256 − 128 = 128 → clamped
}

@Test func quantizeRoundsTiesAwayFromZero() {
    var q = [Int8](repeating: 0, count: 5)
    quantizeReference(output: &q, input: [0.5, -0.5, 1.5, 1000, -1000], count: 5, scale: 1, zeroPoint: 0)
    #expect(q == [1, -1, 2, 127, -128])
    var f = [Float](repeating: 0, count: 2)
    dequantizeReference(output: &f, input: [-128, 127], count: 2, scale: 0.5, zeroPoint: -128)
    #expect(f == [0, 127.5])
}

@Test func padAndConcatenate() {
    let p = PadParameters(inputDims: [1, 1, 2, 1], before: [0, 1, 0, 0], after: [0, 0, 1, 0], elementSize: 1, padByte: 0xF6)
    var out = [Int8](repeating: 0, count: 6)
    [Int8(1), 2].withUnsafeBytes { src in
        out.withUnsafeMutableBytes { padReference(output: $0.baseAddress!, input: src.baseAddress!, params: p) }
    }
    #expect(out == [-10, -10, -10, 1, 2, -10])
    let a: [UInt8] = [1, 2, 3, 4], b: [UInt8] = [9, 9]  // [2,2] ++ [2,1] along axis 1
    var joined = [UInt8](repeating: 0, count: 6)
    a.withUnsafeBytes { pa in
        b.withUnsafeBytes { pb in
            joined.withUnsafeMutableBytes {
                concatenationReference(output: $0.baseAddress!, inputCount: 2, input: { $0 == 0 ? pa.baseAddress! : pb.baseAddress! },
                                       slabBytes: [2, 1], outerCount: 2)
            }
        }
    }
    #expect(joined == [1, 2, 9, 3, 4, 9])
}

/// A small deterministic generator for test data.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
