import Foundation

/// Class-balanced sampling: instead of visiting every image once per epoch, each of the epoch's
/// draws picks class c with probability ∝ n_c^(1 - power), then an image of c uniformly. Power 1
/// draws every class equally often, 0.5 is square-root sampling; the epoch keeps its size. Unlike
/// materialised oversampling it costs no memory and the balance is a continuous setting.
public struct ClassBalancedSampler: Sendable, Equatable {
    public var power: Float

    public init(power: Float) {
        precondition(power >= 0 && power <= 1, "sampling power must be in [0, 1]")
        self.power = power
    }

    /// The class share of the draws for these class sizes (empty classes get none).
    public func classShares(counts: [Int]) -> [Double] {
        let w = counts.map { $0 > 0 ? pow(Double($0), Double(1 - power)) : 0 }
        let total = w.reduce(0, +)
        return w.map { total > 0 ? $0 / total : 0 }
    }

    /// `labels.count` draws with replacement from `random`.
    public func order(labels: [Int], classCount: Int, random: inout TrainRandom) -> [Int] {
        var members = [[Int]](repeating: [], count: classCount)
        for (i, l) in labels.enumerated() { members[l].append(i) }
        var cumulative: [Double] = []
        var sum = 0.0
        for s in classShares(counts: members.map(\.count)) {
            sum += s
            cumulative.append(sum)
        }
        return (0..<labels.count).map { _ in
            let u = Double(random.next() >> 11) * 0x1p-53 * sum
            let c = cumulative.firstIndex { u < $0 } ?? members.lastIndex { !$0.isEmpty }!
            let pool = members[c]
            return pool[Int(random.next() % UInt64(pool.count))]
        }
    }
}
