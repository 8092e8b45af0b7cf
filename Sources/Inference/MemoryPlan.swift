/// Activation offsets that let tensors whose lifetimes do not overlap share memory.
struct ActivationPlan {
    /// Byte offset of each tensor within the activation area; -1 for tensors not placed.
    var offsets: [Int]
    var totalBytes: Int
}

/// Greedy by size (largest first): each tensor takes the lowest 64-byte-aligned offset that
/// does not overlap a placed tensor alive at the same time. Lifetimes are operator index
/// ranges, inclusive, so an operator's inputs and outputs never share bytes.
func planActivations(sizes: [Int], lifetimes: [ClosedRange<Int>?]) -> ActivationPlan {
    var offsets = [Int](repeating: -1, count: sizes.count)
    var placed: [(range: Range<Int>, life: ClosedRange<Int>)] = []
    var total = 0
    let order = sizes.indices.filter { sizes[$0] > 0 && lifetimes[$0] != nil }.sorted { (sizes[$0], $1) > (sizes[$1], $0) }
    for i in order {
        let life = lifetimes[i]!
        let size = (sizes[i] + 63) & ~63
        let conflicts = placed.filter { $0.life.overlaps(life) }.map(\.range).sorted { $0.lowerBound < $1.lowerBound }
        var at = 0
        for r in conflicts where r.lowerBound < at + size {
            at = max(at, r.upperBound)
        }
        offsets[i] = at
        placed.append((at..<at + size, life))
        total = max(total, at + size)
    }
    return ActivationPlan(offsets: offsets, totalBytes: total)
}
