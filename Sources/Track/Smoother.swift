/// Smoothed class probabilities of one track (EMA, or median over a ring of recent observations).
struct Smoother: Sendable {
    private let mode: Smoothing
    private let classes: Int
    private(set) var value: [Float]
    private var ring: [Float]   // median: `window` rows of `classes`, oldest overwritten first
    private var count = 0
    private var next = 0
    private var column: [Float]

    init(mode: Smoothing, classes: Int) {
        self.mode = mode
        self.classes = classes
        value = [Float](repeating: 0, count: classes)
        if case .median(let window) = mode {
            ring = [Float](repeating: 0, count: window * classes)
            column = [Float](repeating: 0, count: window)
        } else {
            ring = []
            column = []
        }
    }

    mutating func add(_ p: [Float]) {
        switch mode {
        case .ema(let alpha):
            let a = Float(alpha)
            if count == 0 {
                for c in 0..<classes { value[c] = p[c] }
            } else {
                for c in 0..<classes { value[c] = a * p[c] + (1 - a) * value[c] }
            }
            count += 1
        case .median(let window):
            for c in 0..<classes { ring[next * classes + c] = p[c] }
            next = (next + 1) % window
            count = min(count + 1, window)
            var sum: Float = 0
            for c in 0..<classes {
                for r in 0..<count { column[r] = ring[r * classes + c] }
                column[0..<count].sort()
                let m = count % 2 == 1 ? column[count / 2] : (column[count / 2 - 1] + column[count / 2]) / 2
                value[c] = m
                sum += m
            }
            if sum > 0 { for c in 0..<classes { value[c] /= sum } }
        }
    }

    /// Index of the largest smoothed probability (the earliest class on ties).
    var dominant: Int {
        var best = 0
        for c in 1..<max(classes, 1) where value[c] > value[best] { best = c }
        return best
    }
}
