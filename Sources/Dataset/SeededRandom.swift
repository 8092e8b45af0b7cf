/// SplitMix64 (Steele, Lea, Flood 2014; constants from Vigna's reference `splitmix64.c`): used to
/// expand a seed and to derive independent per-sample streams from (seed, epoch, index).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }

    /// The SplitMix64 output function: a bijective 64-bit mixer.
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// xoshiro256** 1.0 (Blackman and Vigna, `xoshiro256starstar.c`), seeded through SplitMix64 as its
/// authors recommend. Same sequence on every platform and Swift version, unlike `SystemRandomNumberGenerator`.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var s0, s1, s2, s3: UInt64

    public init(seed: UInt64) {
        var sm = SplitMix64(seed: seed)
        s0 = sm.next(); s1 = sm.next(); s2 = sm.next(); s3 = sm.next()
    }

    /// A generator started from raw state words (for checking against the reference implementation).
    init(state: (UInt64, UInt64, UInt64, UInt64)) {
        (s0, s1, s2, s3) = state
    }

    /// A generator for one (seed, stream, index) triple, independent of how many numbers other
    /// streams drew: what makes augmentation reproducible across resumes and thread counts.
    public init(seed: UInt64, stream: UInt64, index: UInt64) {
        self.init(seed: SplitMix64.mix(SplitMix64.mix(seed ^ SplitMix64.mix(stream &+ 0x632B_E59B_D9B4_E019)) &+ index))
    }

    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// Uniform in [0, 1) with 24 random bits (exactly representable as Float).
    public mutating func unitFloat() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Uniform in `range` (closed; the upper end has probability zero in practice).
    public mutating func uniform(_ range: ClosedRange<Float>) -> Float {
        range.lowerBound + (range.upperBound - range.lowerBound) * unitFloat()
    }

    /// Uniform integer in 0..<bound, without modulo bias (Lemire's multiply-shift with rejection).
    public mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let b = UInt64(bound)
        var m = next().multipliedFullWidth(by: b)
        if m.low < b {
            let threshold = (0 &- b) % b
            while m.low < threshold { m = next().multipliedFullWidth(by: b) }
        }
        return Int(m.high)
    }

    /// Fisher-Yates shuffle with this generator; written out so the order never depends on the
    /// standard library's `shuffle(using:)` implementation.
    public mutating func shuffle<T>(_ array: inout [T]) {
        var i = array.count
        while i > 1 {
            let j = below(i)
            i -= 1
            array.swapAt(i, j)
        }
    }
}
