/// A Haar feature with its rectangle corners turned into offsets for one integral-image row
/// stride (OpenCV's `OptFeature::setOffsets`), so each rectangle sum is 4 loads.
/// Unused rectangles have weight 0 and all offsets 0.
struct OptFeature {
    var a0 = 0, a1 = 0, a2 = 0, a3 = 0
    var b0 = 0, b1 = 0, b2 = 0, b3 = 0
    var c0 = 0, c1 = 0, c2 = 0, c3 = 0
    var w0: Float = 0, w1: Float = 0, w2: Float = 0

    /// `tiltedOffset` is where the tilted plane starts in the integral buffer.
    init(_ f: Cascade.Feature, stride s: Int, tiltedOffset: Int) {
        func corners(_ r: Cascade.WeightedRect) -> (Int, Int, Int, Int) {
            if f.tilted {
                // cascadedetect.hpp CV_TILTED_OFS: (x,y), (x-h,y+h), (x+w,y+w), (x+w-h,y+w+h).
                return (tiltedOffset + r.x + s * r.y, tiltedOffset + r.x - r.height + s * (r.y + r.height),
                        tiltedOffset + r.x + r.width + s * (r.y + r.width),
                        tiltedOffset + r.x + r.width - r.height + s * (r.y + r.width + r.height))
            }
            return (r.x + s * r.y, r.x + r.width + s * r.y, r.x + s * (r.y + r.height), r.x + r.width + s * (r.y + r.height))
        }
        let r = f.rects
        (a0, a1, a2, a3) = corners(r[0]); w0 = r[0].weight
        if r.count > 1 { (b0, b1, b2, b3) = corners(r[1]); w1 = r[1].weight }
        if r.count > 2 { (c0, c1, c2, c3) = corners(r[2]); w2 = r[2].weight }
    }

    /// The weighted rect sum before variance normalisation, in OpenCV's float operation order
    /// (`HaarEvaluator::OptFeature::calc`). Sums wrap like OpenCV's int32 integrals.
    @inline(__always)
    func value(_ p: UnsafePointer<Int32>) -> Float {
        var r = w0 * Float(p[a0] &- p[a1] &- p[a2] &+ p[a3]) + w1 * Float(p[b0] &- p[b1] &- p[b2] &+ p[b3])
        if w2 != 0 { r += w2 * Float(p[c0] &- p[c1] &- p[c2] &+ p[c3]) }
        return r
    }
}

/// A stump (single-node tree) with its feature inlined, for `predictOrderedStump`.
struct OptStump {
    var feature: OptFeature
    var threshold: Float
    var left: Float
    var right: Float
}

/// A tree node with its feature inlined; children > 0 are node indices, <= 0 leaf indices.
struct OptNode {
    var feature: OptFeature
    var threshold: Float
    var left: Int32
    var right: Int32
}

/// The cascade laid out for one integral stride: stumps or nodes in stage order, in flat arrays.
struct CompiledCascade {
    let stride: Int
    let stumps: [OptStump]       // filled when every tree is a stump
    let nodes: [OptNode]         // otherwise: all tree nodes, tree after tree
    let treeNodeCounts: [Int32]  // per tree, for the node walk
    let leaves: [Float]
    let stageTreeCounts: [Int32]
    let stageThresholds: [Double]
    let isStump: Bool
    /// Offsets of the variance rectangle (1, 1, w-2, h-2) and its area.
    let norm: (Int, Int, Int, Int)
    let normArea: Double

    init(_ c: Cascade, stride s: Int, tiltedOffset: Int) {
        stride = s
        isStump = c.isStumpBased
        let feats = c.features.map { OptFeature($0, stride: s, tiltedOffset: tiltedOffset) }
        if isStump {
            stumps = c.trees.map { t in
                let n = c.nodes[t.firstNode]
                return OptStump(feature: feats[n.featureIndex], threshold: n.threshold,
                                left: c.leaves[t.firstLeaf], right: c.leaves[t.firstLeaf + 1])
            }
            nodes = []
        } else {
            stumps = []
            nodes = c.nodes.map { OptNode(feature: feats[$0.featureIndex], threshold: $0.threshold, left: Int32($0.left), right: Int32($0.right)) }
        }
        treeNodeCounts = c.trees.map { Int32($0.nodeCount) }
        leaves = c.leaves
        stageTreeCounts = c.stages.map { Int32($0.treeCount) }
        stageThresholds = c.stages.map { Double($0.threshold) }
        let w = c.windowWidth, h = c.windowHeight
        norm = (1 + s * 1, (w - 1) + s * 1, 1 + s * (h - 1), (w - 1) + s * (h - 1))
        normArea = Double((w - 2) * (h - 2))
    }
}
