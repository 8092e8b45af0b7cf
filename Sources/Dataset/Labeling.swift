/// How FERPlus's ten vote counts become a training label.
public enum LabelMode: String, CaseIterable, Sendable {
    /// The FERPlus paper's protocol (Barsoum et al. 2016; microsoft/FERPlus `ferplus.py`,
    /// `_process_data` in majority mode): votes of 1 are zeroed as noise; the top column must hold
    /// more than half of the remaining votes (unknown and NF included); rows won by unknown or NF,
    /// or with no such majority, are dropped.
    case majority
    /// The reference project's rule: plain argmax over the ten raw vote columns, ties to the earlier
    /// column in file order; rows won by unknown or NF are dropped.
    case argmax
    /// Soft targets: each emotion's share of the votes cast for the eight emotions. Keeps the rows
    /// `argmax` keeps; the hard label is the same argmax.
    case distribution
}

/// Why a row was left out of the dataset; every dropped row is counted under one reason.
public enum DropReason: Int, CaseIterable, Sendable, CustomStringConvertible {
    /// `Image name` is empty: FERPlus marks these rows as not faces.
    case notAFace
    /// The winning column is `unknown`.
    case unknownWins
    /// The winning column is `NF` (not a face).
    case notFaceWins
    /// Majority mode: no column holds more than half of the votes left after dropping single votes.
    case noMajority
    /// Every vote column is zero, so no column wins.
    case noVotes

    public var description: String {
        switch self {
        case .notAFace: "not a face (empty Image name)"
        case .unknownWins: "unknown wins"
        case .notFaceWins: "NF wins"
        case .noMajority: "no majority"
        case .noVotes: "no votes"
        }
    }
}

/// What a label mode made of one row's votes.
public enum LabelDecision: Equatable, Sendable {
    /// Keep the row with this class; `soft` (eight proportions in `Emotion` order) in distribution mode.
    case keep(Emotion, soft: [Float]?)
    case drop(DropReason)
}

extension LabelMode {
    /// Labels one FERPlus row. `votes` are in `VoteColumn` order (ten counts).
    public func decide(votes: [Int], isFace: Bool) -> LabelDecision {
        precondition(votes.count == VoteColumn.allCases.count, "FERPlus rows have ten vote columns")
        guard isFace else { return .drop(.notAFace) }
        switch self {
        case .majority:
            let kept = votes.map { $0 > 1 ? $0 : 0 }
            let total = kept.reduce(0, +)
            let top = argmaxFirst(kept)
            // "more than half": 2 * max > total, exact in integers (FERPlus compares maxval > 0.5 * sum).
            guard total > 0, 2 * kept[top] > total else { return .drop(.noMajority) }
            return keepOrDrop(top, soft: nil)
        case .argmax, .distribution:
            guard votes.contains(where: { $0 > 0 }) else { return .drop(.noVotes) }
            let top = argmaxFirst(votes)
            guard self == .distribution, VoteColumn(rawValue: top)!.emotion != nil else { return keepOrDrop(top, soft: nil) }
            var soft = [Float](repeating: 0, count: Emotion.count)
            var emotionVotes = 0
            for column in VoteColumn.allCases {
                guard let e = column.emotion else { continue }
                soft[e.rawValue] = Float(votes[column.rawValue])
                emotionVotes += votes[column.rawValue]
            }
            // emotionVotes > 0: the winning column is an emotion with at least one vote.
            for i in soft.indices { soft[i] /= Float(emotionVotes) }
            return keepOrDrop(top, soft: soft)
        }
    }

    private func keepOrDrop(_ column: Int, soft: [Float]?) -> LabelDecision {
        let c = VoteColumn(rawValue: column)!
        if let e = c.emotion { return .keep(e, soft: soft) }
        return .drop(c == .unknown ? .unknownWins : .notFaceWins)
    }
}

/// Index of the largest value, the first one on ties (numpy's argmax rule).
func argmaxFirst(_ values: [Int]) -> Int {
    var best = 0
    for i in values.indices where values[i] > values[best] { best = i }
    return best
}
