/// SplitMix64 (Steele, Lea, Flood 2014): a tiny seeded generator, so tracker runs are reproducible.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Track ids in Frigate's form `"<unix time, 6 decimals>-<6 random [a-z0-9]>"`, e.g. `1607123955.475377-mxklsc`.
public struct TrackIDGenerator: Sendable {
    private var rng: SplitMix64
    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789".utf8)

    public init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    public mutating func next(time: Double) -> String {
        var suffix = [UInt8](repeating: 0, count: 6)
        for i in 0..<6 { suffix[i] = Self.alphabet[Int(rng.next() % UInt64(Self.alphabet.count))] }
        return Self.formatTime(time) + "-" + String(decoding: suffix, as: UTF8.self)
    }

    /// `time` with exactly six decimals, without Foundation's `String(format:)`.
    static func formatTime(_ time: Double) -> String {
        let micros = Int64((max(0, time) * 1_000_000).rounded())
        let fraction = String(micros % 1_000_000)
        return "\(micros / 1_000_000)." + String(repeating: "0", count: 6 - fraction.count) + fraction
    }
}
