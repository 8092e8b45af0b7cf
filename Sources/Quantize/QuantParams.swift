import Foundation

/// Affine int8 quantization of one tensor: real = scale · (q − zeroPoint).
public struct AffineParams: Equatable, Sendable {
    public var scale: Float
    public var zeroPoint: Int

    public init(scale: Float, zeroPoint: Int) {
        (self.scale, self.zeroPoint) = (scale, zeroPoint)
    }

    /// TFLite's asymmetric int8 parameters for an observed range: the range is widened to contain 0,
    /// scale = (max − min) / 255, and the zero point is nudged to an integer so that 0 is exact
    /// (gemmlowp/TFLite `ChooseQuantizationParams`: pick the zero point from whichever end gives the
    /// smaller rounding error, round, clamp to [−128, 127]).
    public static func asymmetric(min lo: Float, max hi: Float) -> AffineParams {
        let rmin = Double(Swift.min(lo, 0)), rmax = Double(Swift.max(hi, 0))
        let qmin = -128.0, qmax = 127.0
        guard rmax > rmin else { return AffineParams(scale: 1, zeroPoint: 0) }  // an all-zero tensor
        let scale = (rmax - rmin) / (qmax - qmin)
        let fromMin = qmin - rmin / scale, fromMax = qmax - rmax / scale
        let errorMin = abs(qmin) + abs(rmin / scale), errorMax = abs(qmax) + abs(rmax / scale)
        let zp = errorMin < errorMax ? fromMin : fromMax
        let nudged = zp < qmin ? qmin : zp > qmax ? qmax : zp.rounded(.toNearestOrAwayFromZero)
        return AffineParams(scale: Float(scale), zeroPoint: Int(nudged))
    }

    /// Quantizes one value (round half away from zero, as std::round), clamped to int8.
    public func quantize(_ x: Float) -> Int8 {
        let q = (x / scale).rounded(.toNearestOrAwayFromZero) + Float(zeroPoint)
        return Int8(Swift.max(-128, Swift.min(127, q)))
    }
}

/// Per-channel symmetric int8 weights (TFLite's spec: zero point 0, values in [−127, 127]).
public struct ChannelQuantizedWeights: Sendable {
    /// Quantized values in the same layout as the input, channel `c` of each element given by `channelOf`.
    public var values: [Int8]
    /// One scale per output channel: max |w| / 127 (1 for an all-zero channel).
    public var scales: [Float]

    /// `weights` laid out with the output channel as the outermost dimension: channel c owns
    /// `weights[c * perChannel ..< (c + 1) * perChannel]`.
    public init(outerChannelWeights weights: [Float], channels: Int) {
        precondition(channels > 0 && weights.count % channels == 0, "weights must split evenly into channels")
        let per = weights.count / channels
        var values = [Int8](repeating: 0, count: weights.count)
        var scales = [Float](repeating: 1, count: channels)
        for c in 0..<channels {
            var m: Float = 0
            for j in 0..<per { m = Swift.max(m, abs(weights[c * per + j])) }
            let scale: Float = m > 0 ? m / 127 : 1
            scales[c] = scale
            for j in 0..<per {
                let q = (weights[c * per + j] / scale).rounded(.toNearestOrAwayFromZero)
                values[c * per + j] = Int8(Swift.max(-127, Swift.min(127, q)))
            }
        }
        self.values = values
        self.scales = scales
    }
}

/// int32 biases for int8 conv/fully-connected: q = round(b / (inputScale · weightScale[c])), zero point 0.
func quantizeBias(_ bias: [Float], inputScale: Float, weightScales: [Float]) -> (values: [Int32], scales: [Float]) {
    var values = [Int32](repeating: 0, count: bias.count)
    var scales = [Float](repeating: 0, count: bias.count)
    for c in bias.indices {
        let s = inputScale * weightScales[c]
        scales[c] = s
        let q = (Double(bias[c]) / Double(s)).rounded(.toNearestOrAwayFromZero)
        values[c] = Int32(Swift.max(Double(Int32.min), Swift.min(Double(Int32.max), q)))
    }
    return (values, scales)
}
