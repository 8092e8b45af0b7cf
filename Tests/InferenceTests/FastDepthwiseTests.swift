import Inference
import QuantMath
import Testing

/// The C depthwise kernel against the Swift reference (`depthwiseConv2DReference`) over awkward
/// shapes: channel counts 1..9 and 2^k±1, depth multipliers 1-3, strides, dilation, padding, batches.
struct FastDepthwiseCase: CustomStringConvertible, Sendable {
    var h, w, c, m, k, stride, dilation: Int
    var same: Bool
    var batch: Int
    var description: String { "\(h)x\(w)x\(c) m\(m) k\(k) s\(stride) d\(dilation) \(same ? "SAME" : "VALID") b\(batch)" }
}

let fastDepthwiseCases: [FastDepthwiseCase] = [
    .init(h: 9, w: 9, c: 4, m: 2, k: 3, stride: 1, dilation: 1, same: true, batch: 1),
    .init(h: 10, w: 10, c: 4, m: 2, k: 3, stride: 2, dilation: 1, same: true, batch: 2),
    .init(h: 7, w: 5, c: 1, m: 1, k: 3, stride: 1, dilation: 1, same: false, batch: 1),
    .init(h: 8, w: 9, c: 9, m: 1, k: 5, stride: 1, dilation: 2, same: true, batch: 3),
    .init(h: 6, w: 6, c: 17, m: 3, k: 3, stride: 2, dilation: 1, same: false, batch: 1),
    .init(h: 5, w: 7, c: 33, m: 1, k: 3, stride: 1, dilation: 1, same: true, batch: 2),
    .init(h: 1, w: 1, c: 7, m: 1, k: 3, stride: 1, dilation: 1, same: true, batch: 1),
]

@Test("C depthwise equals the Swift reference", arguments: fastDepthwiseCases)
func fastDepthwiseMatchesReference(_ c: FastDepthwiseCase) throws {
    var rng = FastTestRandom(state: c.description.hashValueStable)
    let outC = c.c * c.m
    let (outH, padTop) = windowGeometry(inputSize: c.h, filterSize: c.k, stride: c.stride, dilation: c.dilation, same: c.same)
    let (outW, padLeft) = windowGeometry(inputSize: c.w, filterSize: c.k, stride: c.stride, dilation: c.dilation, same: c.same)
    let zpIn = Int32(rng.int(-128...127)), zpOut = Int32(rng.int(-128...127))
    let params = ConvParameters(inputHeight: c.h, inputWidth: c.w, inputChannels: c.c, outputHeight: outH, outputWidth: outW,
                                outputChannels: outC, filterHeight: c.k, filterWidth: c.k, strideH: c.stride, strideW: c.stride,
                                dilationH: c.dilation, dilationW: c.dilation, padTop: padTop, padLeft: padLeft,
                                depthMultiplier: c.m, inputOffset: -zpIn, outputOffset: zpOut,
                                activationMin: Int32(rng.int(-128...0)), activationMax: 127)
    let weights = rng.int8s(c.k * c.k * outC), input = rng.int8s(c.batch * c.h * c.w * c.c)
    let bias = (0..<outC).map { _ in Int32(rng.int(-30_000...30_000)) }
    let multipliers = (0..<outC).map { _ in QuantizedMultiplier(multiplier: Int32(rng.int((1 << 30)...Int(Int32.max))), shift: Int32(rng.int(-12...0))) }
    var expected = [Int8](repeating: 0, count: c.batch * outH * outW * outC)
    expected.withUnsafeMutableBufferPointer { out in
        depthwiseConv2DReference(output: out.baseAddress!, input: input, filter: weights, bias: bias, multipliers: multipliers,
                                 params: params, batches: c.batch)
    }
    let g = FastConvGeometry(inHeight: c.h, inWidth: c.w, inChannels: c.c, outHeight: outH, outWidth: outW, outChannels: outC,
                             kernelHeight: c.k, kernelWidth: c.k, strideHeight: c.stride, strideWidth: c.stride,
                             dilationHeight: c.dilation, dilationWidth: c.dilation, padTop: padTop, padLeft: padLeft)
    let requant = FastRequant(bias: bias, multiplier: multipliers.map(\.multiplier), shift: multipliers.map(\.shift),
                              inputZeroPoint: zpIn, outputZeroPoint: zpOut, activationMin: params.activationMin,
                              activationMax: params.activationMax, rounding: .double)
    let dw = try FastDepthwise(geometry: g, depthMultiplier: c.m, weights: weights, requant: requant)
    var got = [Int8](repeating: 0, count: expected.count)
    input.withUnsafeBufferPointer { inp in got.withUnsafeMutableBufferPointer { dw.run(input: inp.baseAddress!, batch: c.batch, output: $0.baseAddress!) } }
    #expect(got == expected, "\(c)")
    #expect(Set(expected).count > 1 || expected.count < 4)
}
