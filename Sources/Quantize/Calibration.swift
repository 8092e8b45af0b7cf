import Foundation

/// How each activation tensor's int8 range is chosen from what calibration observed.
public enum CalibrationMethod: Sendable, Equatable, CustomStringConvertible {
    /// The global min and max (TFLite's converter): one outlier image widens every step.
    case minMax
    /// The range keeping this fraction (e.g. 0.9999) of the nonzero values on each side of 0.
    case percentile(Double)
    /// The clipping of the min/max range that minimises the expected squared error (clipped tails
    /// plus step²/12 rounding noise inside), from a histogram of the nonzero values.
    case mse

    /// Parses `minmax`, `mse` or `percentile:P` (P in (50, 100], a percentage).
    public init?(argument: String) {
        switch argument {
        case "minmax": self = .minMax
        case "mse": self = .mse
        default:
            guard argument.hasPrefix("percentile:"), let p = Double(argument.dropFirst("percentile:".count)),
                  p > 50, p <= 100 else { return nil }
            self = .percentile(p / 100)
        }
    }

    public var description: String {
        switch self {
        case .minMax: "minmax"
        case .mse: "mse"
        case .percentile(let p): "percentile:\(p * 100)"
        }
    }
}

/// Counts of one tensor's nonzero values in equal bins over its observed [lo, hi] (0 inside).
/// Exact zeros (most ReLU outputs) are left out: int8 represents 0 exactly whatever the range.
struct TensorHistogram: Sendable {
    let lo: Float, hi: Float
    private(set) var counts: [Double]

    init(lo: Float, hi: Float, bins: Int) {
        (self.lo, self.hi) = (min(lo, 0), max(hi, 0))
        counts = Array(repeating: 0, count: bins)
    }

    mutating func add(_ values: [Float]) {
        let width = hi - lo
        guard width > 0 else { return }
        let n = counts.count, k = Float(n) / width
        for v in values where v != 0 {
            counts[max(0, min(n - 1, Int((v - lo) * k)))] += 1
        }
    }

    private func center(_ i: Int) -> Float { lo + (Float(i) + 0.5) * (hi - lo) / Float(counts.count) }

    /// The range `method` picks (always containing 0 and inside [lo, hi]).
    func range(_ method: CalibrationMethod) -> (min: Float, max: Float) {
        switch method {
        case .minMax: return (lo, hi)
        case .percentile(let p): return percentileRange(p)
        case .mse: return mseRange()
        }
    }

    private func percentileRange(_ p: Double) -> (min: Float, max: Float) {
        let zeroBin = hi > lo ? Int(-lo / (hi - lo) * Float(counts.count)) : 0
        // Positive side: walk up from 0 until p of the positive values are inside.
        let positives = counts[min(zeroBin, counts.count)...].reduce(0, +)
        var top = hi, seen = 0.0
        if positives > 0 {
            for i in zeroBin..<counts.count {
                seen += counts[i]
                if seen >= p * positives { top = min(hi, center(i) + (hi - lo) / Float(2 * counts.count)); break }
            }
        }
        let negatives = counts[..<min(zeroBin, counts.count)].reduce(0, +)
        var bottom = lo
        seen = 0
        if negatives > 0 {
            for i in stride(from: zeroBin - 1, through: 0, by: -1) {
                seen += counts[i]
                if seen >= p * negatives { bottom = max(lo, center(i) - (hi - lo) / Float(2 * counts.count)); break }
            }
        }
        return (bottom, top)
    }

    private func mseRange() -> (min: Float, max: Float) {
        // Candidates shrink both ends by the same factor, in 512 steps down to 1/512 of the range.
        let steps = 512
        var best = (error: Double.infinity, range: (min: lo, max: hi))
        for k in stride(from: steps, through: 1, by: -1) {
            let r = Float(k) / Float(steps)
            let a = lo * r, b = hi * r
            let q = Double(b - a) / 255
            let noise = q * q / 12
            var error = 0.0
            for (i, n) in counts.enumerated() where n > 0 {
                let x = center(i)
                if x > b { error += n * Double((x - b) * (x - b)) } else if x < a { error += n * Double((x - a) * (x - a)) } else { error += n * noise }
            }
            if error < best.error { best = (error, (a, b)) }
        }
        return best.range
    }
}
