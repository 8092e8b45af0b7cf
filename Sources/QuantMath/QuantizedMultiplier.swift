/// A real multiplier stored TFLite's way: a Q31 fixed-point `multiplier` in [2^30, 2^31) (or 0)
/// and a power-of-two `shift` (positive = left), so that real ≈ multiplier / 2^31 · 2^shift.
public struct QuantizedMultiplier: Sendable, Hashable, CustomStringConvertible {
    public var multiplier: Int32
    public var shift: Int32

    public init(multiplier: Int32, shift: Int32) {
        self.multiplier = multiplier
        self.shift = shift
    }

    /// TFLite's `QuantizeMultiplier` (kernels/internal/quantization_util.cc), default build
    /// (no TFLITE_SINGLE_ROUNDING): frexp, round the mantissa half away from zero to Q31,
    /// renormalise when rounding reaches 2^31, flush shifts below -31 to zero.
    /// Returns nil for values the fixed-point paths cannot represent: negative, not finite,
    /// or so large that the left shift would exceed 30 bits.
    public init?(_ real: Double) {
        guard real.isFinite, real >= 0 else { return nil }
        if real == 0 {
            self.init(multiplier: 0, shift: 0)
            return
        }
        // frexp: real = q · 2^e with q in [0.5, 1). Swift's significand is in [1, 2).
        let q = real.significand / 2
        var e = Int(real.exponent) + 1
        var fixed = Int64((q * 2_147_483_648.0).rounded(.toNearestOrAwayFromZero))
        if fixed == 1 << 31 {
            fixed /= 2
            e += 1
        }
        // A shift below -31 would shift every bit out (quantization_util.cc).
        if e < -31 {
            e = 0
            fixed = 0
        }
        guard e <= 30 else { return nil }
        self.init(multiplier: Int32(fixed), shift: Int32(e))
    }

    /// The real value this multiplier stands for.
    public var realValue: Double {
        Double(multiplier) / 2_147_483_648.0 * Double(sign: .plus, exponent: Int(shift), significand: 1)
    }

    public var description: String { "\(multiplier)·2^(\(shift)-31)" }
}
