// Integer requantization primitives, bit-exact with TFLite's reference kernels
// (tensorflow/lite/kernels/internal/common.h and gemmlowp's fixedpoint.h).

/// gemmlowp's SaturatingRoundingDoublingHighMul: the high 32 bits of 2·a·b, rounded half away
/// from zero; the one overflowing case (INT32_MIN · INT32_MIN) saturates to INT32_MAX.
@inlinable
public func saturatingRoundingDoublingHighMul(_ a: Int32, _ b: Int32) -> Int32 {
    if a == b && a == Int32.min { return Int32.max }
    let ab = Int64(a) * Int64(b)
    let nudge: Int64 = ab >= 0 ? (1 << 30) : (1 - (1 << 30))
    // C++ integer division truncates toward zero; so does Swift's.
    return Int32(truncatingIfNeeded: (ab + nudge) / (1 << 31))
}

/// gemmlowp's RoundingDivideByPOT: x / 2^exponent rounded to nearest, ties away from zero.
/// `exponent` must be in 0...31.
@inlinable
public func roundingDivideByPOT(_ x: Int32, _ exponent: Int32) -> Int32 {
    precondition(exponent >= 0 && exponent <= 31, "exponent out of range")
    let mask: Int32 = Int32(truncatingIfNeeded: (Int64(1) << exponent) - 1)
    let remainder = x & mask
    let threshold = (mask >> 1) + (x < 0 ? 1 : 0)
    return (x >> exponent) + (remainder > threshold ? 1 : 0)
}

/// TFLite's default `MultiplyByQuantizedMultiplier` (double rounding): left shift, doubling
/// high multiply with rounding, then a rounding right shift. Used by CONV_2D, DEPTHWISE_CONV_2D,
/// MUL, ADD and MEAN.
@inlinable
public func multiplyByQuantizedMultiplier(_ x: Int32, _ m: QuantizedMultiplier) -> Int32 {
    let leftShift = m.shift > 0 ? m.shift : 0
    let rightShift = m.shift > 0 ? 0 : -m.shift
    // TFLite writes x * (1 << left_shift); int32 wraps on the hardware it runs on.
    return roundingDivideByPOT(saturatingRoundingDoublingHighMul(x &* (1 &<< leftShift), m.multiplier), rightShift)
}

/// One rounding with the full Q31 multiplier in 64 bits: (x·m + 2^(30-shift)) >> (31-shift),
/// saturated to Int32. This is what FULLY_CONNECTED's reference kernel reproduces
/// (see shared/conformance/tflite/README.md, "Which outputs to match").
@inlinable
public func multiplyByQuantizedMultiplierSingleRounding(_ x: Int32, _ m: QuantizedMultiplier) -> Int32 {
    let totalShift = Int64(31 - m.shift)  // 1...62 for shifts in -31...30
    let product = Int64(x) * Int64(m.multiplier)
    let rounded = (product + (Int64(1) << (totalShift - 1))) >> totalShift
    return Int32(clamping: rounded)
}

/// Rounds half away from zero, like C's `round` and TFLite's `TfLiteRound`.
@inlinable
public func roundHalfAwayFromZero(_ x: Float) -> Float { x.rounded(.toNearestOrAwayFromZero) }

/// Rounds half away from zero, like C's `round` and TFLite's `TfLiteRound`.
@inlinable
public func roundHalfAwayFromZero(_ x: Double) -> Double { x.rounded(.toNearestOrAwayFromZero) }

/// Float to Int32 the way TFLite's `static_cast<int32_t>(TfLiteRound(x))` behaves on finite
/// in-range values; NaN maps to 0 and out-of-range values saturate instead of trapping.
@inlinable
public func roundToInt32(_ x: Float) -> Int32 {
    if x.isNaN { return 0 }
    let r = x.rounded(.toNearestOrAwayFromZero)
    if r >= 2_147_483_648.0 { return Int32.max }
    if r < -2_147_483_648.0 { return Int32.min }
    return Int32(r)
}

/// Clamps to Int8 after adding nothing: the last step of every int8 requantization.
@inlinable
public func clampToInt8(_ x: Int32, min lo: Int32 = -128, max hi: Int32 = 127) -> Int8 {
    Int8(truncatingIfNeeded: Swift.min(Swift.max(x, lo), hi))
}
