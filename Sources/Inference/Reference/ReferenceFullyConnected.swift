import QuantMath

// FULLY_CONNECTED, int8 with per-channel weights. The accumulator is CONV_2D's; the
// requantization is a single rounding with the full Q31 multiplier, which is what LiteRT's
// reference kernel produced on the conformance data (shared/conformance/tflite/README.md).

/// acc[b, u] = bias[u] + Σ_d (input[b, d] + inputOffset) · weights[u, d].
public func fullyConnectedAccumulate(
    acc: UnsafeMutablePointer<Int32>, input: UnsafePointer<Int8>, weights: UnsafePointer<Int8>,
    bias: UnsafePointer<Int32>?, params p: FullyConnectedParameters, batches: Int
) {
    for b in 0..<batches {
        let row = input + b * p.depth
        for u in 0..<p.units {
            let w = weights + u * p.depth
            acc[b * p.units + u] = dot(row, w, count: p.depth, offset: p.inputOffset) &+ (bias?[u] ?? 0)
        }
    }
}

/// out = clamp(MultiplyByQuantizedMultiplierSingleRounding(acc, m[u]) + outputOffset).
public func requantizeFullyConnected(
    output: UnsafeMutablePointer<Int8>, acc: UnsafePointer<Int32>, multipliers: UnsafePointer<QuantizedMultiplier>,
    params p: FullyConnectedParameters, batches: Int
) {
    for b in 0..<batches {
        for u in 0..<p.units {
            let i = b * p.units + u
            let scaled = multiplyByQuantizedMultiplierSingleRounding(acc[i], multipliers[u]) &+ p.outputOffset
            output[i] = clampToInt8(scaled, min: p.activationMin, max: p.activationMax)
        }
    }
}

/// FULLY_CONNECTED: accumulate into `acc` (batches · units), then requantize.
public func fullyConnectedReference(
    output: UnsafeMutablePointer<Int8>, input: UnsafePointer<Int8>, weights: UnsafePointer<Int8>,
    bias: UnsafePointer<Int32>?, multipliers: UnsafePointer<QuantizedMultiplier>, params p: FullyConnectedParameters,
    batches: Int, acc: UnsafeMutablePointer<Int32>
) {
    fullyConnectedAccumulate(acc: acc, input: input, weights: weights, bias: bias, params: p, batches: batches)
    requantizeFullyConnected(output: output, acc: acc, multipliers: multipliers, params: p, batches: batches)
}
