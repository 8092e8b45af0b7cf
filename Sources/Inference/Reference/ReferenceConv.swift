import QuantMath

// CONV_2D and DEPTHWISE_CONV_2D, int8 per-channel, after TFLite's reference kernels
// (kernels/internal/reference/integer_ops/conv.h, depthwise_conv.h). Integer arithmetic
// wraps like the C++ it reproduces; a 32-bit accumulator cannot overflow while
// filterHeight·filterWidth·inputChannels < 2^16 (|(q − zp)·w| ≤ 255·128 < 2^15).

/// int32 accumulators of a CONV_2D for `batches` images:
/// acc[b, oy, ox, oc] = bias[oc] + Σ_{ky,kx,ic} (input[b, iy, ix, ic] + inputOffset) · filter[oc, ky, kx, ic].
/// Taps that fall in the padding contribute nothing. Filter layout [outC, kH, kW, inC].
public func conv2DAccumulate(
    acc: UnsafeMutablePointer<Int32>, input: UnsafePointer<Int8>, filter: UnsafePointer<Int8>,
    bias: UnsafePointer<Int32>?, params p: ConvParameters, batches: Int
) {
    let inC = p.inputChannels, outC = p.outputChannels
    for b in 0..<batches {
        for outY in 0..<p.outputHeight {
            for outX in 0..<p.outputWidth {
                let accPixel = acc + ((b * p.outputHeight + outY) * p.outputWidth + outX) * outC
                for oc in 0..<outC { accPixel[oc] = bias?[oc] ?? 0 }
                let inYOrigin = outY * p.strideH - p.padTop
                let inXOrigin = outX * p.strideW - p.padLeft
                for filterY in 0..<p.filterHeight {
                    let inY = inYOrigin + filterY * p.dilationH
                    if inY < 0 || inY >= p.inputHeight { continue }
                    for filterX in 0..<p.filterWidth {
                        let inX = inXOrigin + filterX * p.dilationW
                        if inX < 0 || inX >= p.inputWidth { continue }
                        let inPixel = input + ((b * p.inputHeight + inY) * p.inputWidth + inX) * inC
                        let tapStride = p.filterHeight * p.filterWidth * inC
                        var taps = filter + (filterY * p.filterWidth + filterX) * inC
                        for oc in 0..<outC {
                            accPixel[oc] &+= dot(inPixel, taps, count: inC, offset: p.inputOffset)
                            taps += tapStride
                        }
                    }
                }
            }
        }
    }
}

/// Requantizes per-channel int32 accumulators to int8 with TFLite's default double rounding:
/// out = clamp(MultiplyByQuantizedMultiplier(acc, m[c]) + outputOffset). `count` values,
/// channel = index mod `channels`.
public func requantizePerChannel(
    output: UnsafeMutablePointer<Int8>, acc: UnsafePointer<Int32>, count: Int, channels: Int,
    multipliers: UnsafePointer<QuantizedMultiplier>, outputOffset: Int32, activationMin: Int32, activationMax: Int32
) {
    var i = 0
    while i < count {
        for c in 0..<channels {
            let scaled = multiplyByQuantizedMultiplier(acc[i + c], multipliers[c]) &+ outputOffset
            output[i + c] = clampToInt8(scaled, min: activationMin, max: activationMax)
        }
        i += channels
    }
}

/// CONV_2D, int8 per-channel: accumulate, then requantize (scratch `acc` holds
/// batches · outputPositions · outputChannels values).
public func conv2DReference(
    output: UnsafeMutablePointer<Int8>, input: UnsafePointer<Int8>, filter: UnsafePointer<Int8>,
    bias: UnsafePointer<Int32>?, multipliers: UnsafePointer<QuantizedMultiplier>, params p: ConvParameters,
    batches: Int, acc: UnsafeMutablePointer<Int32>
) {
    conv2DAccumulate(acc: acc, input: input, filter: filter, bias: bias, params: p, batches: batches)
    requantizePerChannel(output: output, acc: acc, count: batches * p.outputPositions * p.outputChannels,
                         channels: p.outputChannels, multipliers: multipliers, outputOffset: p.outputOffset,
                         activationMin: p.activationMin, activationMax: p.activationMax)
}

/// DEPTHWISE_CONV_2D, int8 per-channel. Filter layout [1, kH, kW, inC · depthMultiplier];
/// output channel ic · depthMultiplier + m reads input channel ic.
public func depthwiseConv2DReference(
    output: UnsafeMutablePointer<Int8>, input: UnsafePointer<Int8>, filter: UnsafePointer<Int8>,
    bias: UnsafePointer<Int32>?, multipliers: UnsafePointer<QuantizedMultiplier>, params p: ConvParameters, batches: Int
) {
    let inC = p.inputChannels, outC = p.outputChannels, multiplier = p.depthMultiplier
    for b in 0..<batches {
        for outY in 0..<p.outputHeight {
            for outX in 0..<p.outputWidth {
                let inYOrigin = outY * p.strideH - p.padTop
                let inXOrigin = outX * p.strideW - p.padLeft
                let outPixel = output + ((b * p.outputHeight + outY) * p.outputWidth + outX) * outC
                for ic in 0..<inC {
                    for m in 0..<multiplier {
                        let oc = ic * multiplier + m
                        var acc: Int32 = 0
                        for filterY in 0..<p.filterHeight {
                            let inY = inYOrigin + filterY * p.dilationH
                            if inY < 0 || inY >= p.inputHeight { continue }
                            for filterX in 0..<p.filterWidth {
                                let inX = inXOrigin + filterX * p.dilationW
                                if inX < 0 || inX >= p.inputWidth { continue }
                                let value = Int32(input[((b * p.inputHeight + inY) * p.inputWidth + inX) * inC + ic])
                                let tap = Int32(filter[(filterY * p.filterWidth + filterX) * outC + oc])
                                acc &+= (value &+ p.inputOffset) &* tap
                            }
                        }
                        acc &+= bias?[oc] ?? 0
                        let scaled = multiplyByQuantizedMultiplier(acc, multipliers[oc]) &+ p.outputOffset
                        outPixel[oc] = clampToInt8(scaled, min: p.activationMin, max: p.activationMax)
                    }
                }
            }
        }
    }
}

/// Σ (a[i] + offset) · b[i] in wrapping int32. A `while` loop: unoptimised builds run it several
/// times faster than `for … in 0..<n`, which keeps debug-build tests quick.
@inline(__always)
func dot(_ a: UnsafePointer<Int8>, _ b: UnsafePointer<Int8>, count: Int, offset: Int32) -> Int32 {
    var sum: Int32 = 0
    var i = 0
    while i < count {
        sum &+= (Int32(a[i]) &+ offset) &* Int32(b[i])
        i += 1
    }
    return sum
}
