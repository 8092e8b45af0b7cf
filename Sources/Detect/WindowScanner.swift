import Imaging

/// What the cascade said about one window (OpenCV's `runAt` return codes, as a type).
enum WindowResult {
    case accepted
    /// Rejected by stage `stage`; a stage-0 rejection makes the scan skip the next window.
    case rejected(stage: Int)
    /// Flat or out-of-range window rejected by the variance test (`HaarEvaluator::setWindow`).
    case flat
}

/// Evaluates windows of one level's integrals. Holds only pointers into the detector's buffers
/// and the compiled cascade, so several threads can scan different rows at once.
struct WindowScanner: @unchecked Sendable {
    let compiled: CompiledCascade
    let integral: UnsafeMutablePointer<Int32>
    let squares: UnsafeMutablePointer<UInt32>
    let stride: Int

    /// Scans window rows `rows` (row i is y = yStart + i*step) of `level`, x from xStart to xLast,
    /// with OpenCV's skip-next-x rule after a stage-0 rejection.
    func scan(level: FaceDetector.Level, rows: Range<Int>, yStart: Int, xStart: Int, xLast: Int,
              origin: (Int, Int), into out: CandidateBuffer) {
        let step = level.step
        let sc = level.scale
        for i in rows {
            let y = yStart + i * step
            let rowBase = (y - origin.1) * stride - origin.0
            var x = xStart
            while x <= xLast {
                switch evaluate(at: rowBase + x) {
                case .accepted:
                    out.append(Rect(x: Int((Float(x) * sc).rounded(.toNearestOrEven)), y: Int((Float(y) * sc).rounded(.toNearestOrEven)),
                                    width: level.windowWidth, height: level.windowHeight))
                case .rejected(stage: 0):
                    x += step
                default:
                    break
                }
                x += step
            }
        }
    }

    /// Runs the cascade on the window whose top-left integral index is `offset`.
    @inline(__always)
    func evaluate(at offset: Int) -> WindowResult {
        let p = UnsafePointer(integral + offset)
        let q = UnsafePointer(squares + offset)
        let n = compiled.norm
        let sum = p[n.0] &- p[n.1] &- p[n.2] &+ p[n.3]
        let sqsum = q[n.0] &- q[n.1] &- q[n.2] &+ q[n.3]
        // HaarEvaluator::setWindow, in double; the factor is rounded to float.
        let area = compiled.normArea
        let nf = area * Double(sqsum) - Double(sum) * Double(sum)
        guard nf > 0 else { return .flat }
        let factor = Float(1 / nf.squareRoot())
        guard area * Double(factor) < 0.1 else { return .flat }
        return compiled.isStump ? stumps(p, factor) : trees(p, factor)
    }

    /// predictOrderedStump: feature values in float; stage sums exact in fixed point (equal to
    /// OpenCV's double sums, see `CompiledCascade.leafShift`).
    @inline(__always)
    private func stumps(_ p: UnsafePointer<Int32>, _ factor: Float) -> WindowResult {
        compiled.stumps.withUnsafeBufferPointer { st in
            compiled.stageTreeCounts.withUnsafeBufferPointer { counts in
                compiled.stageThresholdsFixed.withUnsafeBufferPointer { thresholds in
                    var k = 0
                    for s in 0..<counts.count {
                        var sum: Int64 = 0
                        let end = k + Int(counts[s])
                        while k < end {
                            let stump = st[k]
                            let v = stump.feature.value(p) * factor
                            sum &+= v < stump.threshold ? stump.left : stump.right
                            k += 1
                        }
                        if sum < thresholds[s] { return .rejected(stage: s) }
                    }
                    return .accepted
                }
            }
        }
    }

    /// predictOrdered: walk each tree from its root to a leaf; stage sums in fixed point when
    /// exact (see `CompiledCascade.leafShift`), else in double as OpenCV.
    @inline(__always)
    private func trees(_ p: UnsafePointer<Int32>, _ factor: Float) -> WindowResult {
        if !compiled.pairs.isEmpty { return pairs(p, factor) }
        return compiled.nodes.withUnsafeBufferPointer { nodes in
            compiled.treeRoots.withUnsafeBufferPointer { roots in
                compiled.stageTreeCounts.withUnsafeBufferPointer { counts in
                    if !compiled.leavesFixed.isEmpty {
                        return compiled.leavesFixed.withUnsafeBufferPointer { leaves in
                            compiled.treeThresholdsFixed.withUnsafeBufferPointer { thresholds in
                                walk(p, factor, nodes, roots, counts, leaves, thresholds, zero: Int64(0), add: { $0 &+ $1 })
                            }
                        }
                    }
                    return compiled.leaves.withUnsafeBufferPointer { leaves in
                        compiled.stageThresholds.withUnsafeBufferPointer { thresholds in
                            walk(p, factor, nodes, roots, counts, leaves, thresholds, zero: 0.0, add: { $0 + $1 })
                        }
                    }
                }
            }
        }
    }

    /// Two-node trees without branches on the data (see `OptPair`).
    @inline(__always)
    private func pairs(_ p: UnsafePointer<Int32>, _ factor: Float) -> WindowResult {
        compiled.pairs.withUnsafeBufferPointer { pairs in
            compiled.stageTreeCounts.withUnsafeBufferPointer { counts in
                compiled.treeThresholdsFixed.withUnsafeBufferPointer { thresholds in
                    var k = 0
                    for s in 0..<counts.count {
                        var sum: Int64 = 0
                        let end = k + Int(counts[s])
                        while k < end {
                            let t = pairs[k]
                            let a = t.root.value(p) * factor < t.rootThreshold
                            let b = t.child.value(p) * factor < t.childThreshold
                            let inner = b ? t.childLeft : t.childRight
                            sum &+= a == t.childOnLeft ? inner : t.rootLeaf
                            k += 1
                        }
                        if sum < thresholds[s] { return .rejected(stage: s) }
                    }
                    return .accepted
                }
            }
        }
    }

    @inline(__always)
    private func walk<T: Comparable>(_ p: UnsafePointer<Int32>, _ factor: Float, _ nodes: UnsafeBufferPointer<OptNode>,
                                     _ roots: UnsafeBufferPointer<Int32>, _ counts: UnsafeBufferPointer<Int32>,
                                     _ leaves: UnsafeBufferPointer<T>, _ thresholds: UnsafeBufferPointer<T>,
                                     zero: T, add: (T, T) -> T) -> WindowResult {
        var tree = 0
        for s in 0..<counts.count {
            var sum = zero
            let end = tree + Int(counts[s])
            while tree < end {
                var idx = Int(roots[tree])
                while true {
                    let node = nodes[idx]
                    let v = node.feature.value(p) * factor
                    let child = v < node.threshold ? node.left : node.right
                    if child < 0 {
                        sum = add(sum, leaves[Int(~child)])
                        break
                    }
                    idx = Int(child)
                }
                tree += 1
            }
            if sum < thresholds[s] { return .rejected(stage: s) }
        }
        return .accepted
    }
}
