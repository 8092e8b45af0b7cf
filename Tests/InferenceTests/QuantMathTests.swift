import Testing
import QuantMath

/// Edge values of TFLite's QuantizeMultiplier, worked out by hand from frexp.
@Test(arguments: [
    (1.0, Int32(1 << 30), Int32(1)),
    (0.5, Int32(1 << 30), Int32(0)),
    (0.25, Int32(1 << 30), Int32(-1)),
    (0.75, Int32(3 << 29), Int32(0)),
    (0.0, Int32(0), Int32(0)),
    // Mantissa rounds up to 2^31: renormalised to 2^30 and shift + 1.
    (1.0 - 0x1p-33, Int32(1 << 30), Int32(1)),
    // 2^-32 → shift -31 still kept; 2^-33 → shift -32 is flushed to zero.
    (0x1p-32, Int32(1 << 30), Int32(-31)),
    (0x1p-33, Int32(0), Int32(0)),
    (0x1p29, Int32(1 << 30), Int32(30)),
])
func quantizeMultiplierEdgeValues(real: Double, multiplier: Int32, shift: Int32) throws {
    let m = try #require(QuantizedMultiplier(real))
    #expect(m.multiplier == multiplier)
    #expect(m.shift == shift)
}

@Test func quantizeMultiplierRejectsUnrepresentable() {
    #expect(QuantizedMultiplier(-1) == nil)
    #expect(QuantizedMultiplier(.nan) == nil)
    #expect(QuantizedMultiplier(.infinity) == nil)
    #expect(QuantizedMultiplier(0x1p31) == nil)  // would need a left shift of 32
}

@Test func quantizeMultiplierIsAccurateTo31Bits() throws {
    for real in stride(from: 0.0001, to: 4.0, by: 0.0137) {
        let m = try #require(QuantizedMultiplier(real))
        #expect(m.multiplier >= 1 << 30)
        #expect(abs(m.realValue - real) <= real * 0x1p-30)
    }
}

@Test(arguments: [
    (Int32.min, Int32.min, Int32.max),          // the one saturating case
    (Int32(1 << 30), Int32(1 << 30), Int32(1 << 29)),
    (Int32(1), Int32(1 << 30), Int32(1)),       // +0.5 rounds up
    (Int32(-1), Int32(1 << 30), Int32(0)),      // -0.5 rounds toward zero (gemmlowp's nudge)
    (Int32(3), Int32(1 << 30), Int32(2)),       // 1.5 → 2
    (Int32(-3), Int32(1 << 30), Int32(-1)),     // -1.5 → -1
    (Int32.max, Int32.max, Int32.max - 1),
])
func saturatingRoundingDoublingHighMulValues(a: Int32, b: Int32, expected: Int32) {
    #expect(saturatingRoundingDoublingHighMul(a, b) == expected)
    #expect(saturatingRoundingDoublingHighMul(b, a) == expected)
}

@Test(arguments: [
    (Int32(5), Int32(1), Int32(3)), (Int32(-5), Int32(1), Int32(-3)),
    (Int32(7), Int32(2), Int32(2)), (Int32(-7), Int32(2), Int32(-2)),
    (Int32(6), Int32(2), Int32(2)), (Int32(-6), Int32(2), Int32(-2)),
    (Int32(42), Int32(0), Int32(42)), (Int32.min, Int32(31), Int32(-1)),
    (Int32.max, Int32(31), Int32(1)), (Int32(-1), Int32(31), Int32(0)),
])
func roundingDivideByPOTValues(x: Int32, exponent: Int32, expected: Int32) {
    #expect(roundingDivideByPOT(x, exponent) == expected)
}

@Test func doubleAndSingleRoundingDiffer() throws {
    let quarter = try #require(QuantizedMultiplier(0.25))
    // 5 · 0.25 = 1.25: the doubling high-mul rounds 2.5 up to 3, then 3/2 = 1.5 rounds to 2.
    #expect(multiplyByQuantizedMultiplier(5, quarter) == 2)
    // One rounding of the exact product gives 1.
    #expect(multiplyByQuantizedMultiplierSingleRounding(5, quarter) == 1)
    let half = try #require(QuantizedMultiplier(0.5))
    #expect(multiplyByQuantizedMultiplier(100, half) == 50)
    #expect(multiplyByQuantizedMultiplier(-3, half) == -1)
    #expect(multiplyByQuantizedMultiplierSingleRounding(-3, half) == -1)  // -1.5 rounds up
    #expect(multiplyByQuantizedMultiplierSingleRounding(3, half) == 2)
    let four = try #require(QuantizedMultiplier(4.0))
    #expect(multiplyByQuantizedMultiplier(1000, four) == 4000)
    #expect(multiplyByQuantizedMultiplierSingleRounding(Int32.max, four) == Int32.max)  // saturates
}

@Test func bothRoundingsStayWithinOneOfExact() throws {
    for real in [0.000123, 0.0071, 0.3333, 0.9999, 1.7] {
        let m = try #require(QuantizedMultiplier(real))
        for x in stride(from: Int32(-200_000), through: 200_000, by: 997) {
            let exact = Double(x) * real
            #expect(abs(Double(multiplyByQuantizedMultiplier(x, m)) - exact) <= 1)
            #expect(abs(Double(multiplyByQuantizedMultiplierSingleRounding(x, m)) - exact) <= 1)
        }
    }
}

@Test func roundHalfAwayFromZeroTies() {
    #expect(roundHalfAwayFromZero(Float(2.5)) == 3)
    #expect(roundHalfAwayFromZero(Float(-2.5)) == -3)
    #expect(roundHalfAwayFromZero(0.5) == 1.0)
    #expect(roundHalfAwayFromZero(-0.5) == -1.0)
    #expect(roundToInt32(Float(1e20)) == Int32.max)
    #expect(roundToInt32(-Float.infinity) == Int32.min)
    #expect(roundToInt32(Float.nan) == 0)
    #expect(clampToInt8(300) == 127)
    #expect(clampToInt8(-300) == -128)
    #expect(clampToInt8(5, min: 10) == 10)
}
