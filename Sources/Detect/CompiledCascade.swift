/// A Haar feature with its rectangle corners turned into offsets for one integral-image row
/// stride (OpenCV's `OptFeature::setOffsets`), so each rectangle sum is 4 loads.
/// Unused rectangles have weight 0 and all offsets 0.
/// Offsets are Int32 to keep a stump at 72 bytes (the scan is bound by walking these records).
struct OptFeature {
    var a0: Int32 = 0, a1: Int32 = 0, a2: Int32 = 0, a3: Int32 = 0
    var b0: Int32 = 0, b1: Int32 = 0, b2: Int32 = 0, b3: Int32 = 0
    var c0: Int32 = 0, c1: Int32 = 0, c2: Int32 = 0, c3: Int32 = 0
    var w0: Float = 0, w1: Float = 0, w2: Float = 0

    /// `tiltedOffset` is where the tilted plane starts in the integral buffer.
    init(_ f: Cascade.Feature, stride s: Int, tiltedOffset: Int) {
        func corners(_ r: Cascade.WeightedRect) -> (Int32, Int32, Int32, Int32) {
            if f.tilted {
                // cascadedetect.hpp CV_TILTED_OFS: (x,y), (x-h,y+h), (x+w,y+w), (x+w-h,y+w+h).
                return (Int32(tiltedOffset + r.x + s * r.y), Int32(tiltedOffset + r.x - r.height + s * (r.y + r.height)),
                        Int32(tiltedOffset + r.x + r.width + s * (r.y + r.width)),
                        Int32(tiltedOffset + r.x + r.width - r.height + s * (r.y + r.width + r.height)))
            }
            return (Int32(r.x + s * r.y), Int32(r.x + r.width + s * r.y), Int32(r.x + s * (r.y + r.height)),
                    Int32(r.x + r.width + s * (r.y + r.height)))
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
        var r = w0 * Float(p[Int(a0)] &- p[Int(a1)] &- p[Int(a2)] &+ p[Int(a3)])
            + w1 * Float(p[Int(b0)] &- p[Int(b1)] &- p[Int(b2)] &+ p[Int(b3)])
        if w2 != 0 { r += w2 * Float(p[Int(c0)] &- p[Int(c1)] &- p[Int(c2)] &+ p[Int(c3)]) }
        return r
    }
}

/// A stump (single-node tree) with its feature inlined, for `predictOrderedStump`. Leaves are
/// fixed-point integers (see `CompiledCascade.leafShift`), so stage sums are exact integer adds.
struct OptStump {
    var feature: OptFeature
    var threshold: Float
    var left: Int64
    var right: Int64
}

/// A tree node with its feature inlined. Children >= 0 are absolute node indices; a negative
/// child `c` is leaf `~c` (absolute index into the leaf table).
struct OptNode {
    var feature: OptFeature
    var threshold: Float
    var left: Int32
    var right: Int32
}

/// A two-node tree whose root has one leaf and one internal child with two leaves (the shape of
/// haarcascade_frontalface_alt2's weak classifiers). Both features are always evaluated so the
/// leaf is picked without a data-dependent branch; the result is that of walking the tree.
struct OptPair {
    var root: OptFeature
    var child: OptFeature
    var rootThreshold: Float
    var childThreshold: Float
    /// The child hangs on the root's left branch (`value < threshold`).
    var childOnLeft: Bool
    var rootLeaf: Int64
    var childLeft: Int64
    var childRight: Int64
}

/// The cascade laid out for one integral stride: stumps or nodes in stage order, in flat arrays.
struct CompiledCascade {
    let stride: Int
    let stumps: [OptStump]       // filled when every tree is a stump
    let nodes: [OptNode]         // otherwise: all tree nodes, tree after tree
    let treeRoots: [Int32]       // per tree, its root's index in `nodes`
    let pairs: [OptPair]         // when every tree is an `OptPair` and leaves are fixed-point
    let leaves: [Double]         // tree leaves, used when `leavesFixed` is empty
    let leavesFixed: [Int64]     // tree leaves * 2^leafShift when the sums are exact in integers
    let stageTreeCounts: [Int32]
    let stageThresholds: [Double]
    /// Stage thresholds for the fixed-point stump path: sum < t  <=>  sumFixed < ceil(t * 2^leafShift).
    let stageThresholdsFixed: [Int64]
    /// True when all trees are stumps and their sums can be done exactly in integers.
    let isStump: Bool
    let treeThresholdsFixed: [Int64]
    /// Offsets of the variance rectangle (1, 1, w-2, h-2) and its area.
    let norm: (Int, Int, Int, Int)
    let normArea: Double

    init(_ c: Cascade, stride s: Int, tiltedOffset: Int) {
        stride = s
        let shift = CompiledCascade.leafShift(c)
        isStump = c.isStumpBased && shift != nil
        let scale = Double(sign: .plus, exponent: shift ?? 0, significand: 1)
        let fixedThresholds = c.stages.map { st in
            let v = (Double(st.threshold) * scale).rounded(.up)
            return Int64(min(max(v, -0x1p62), 0x1p62))
        }
        let feats = c.features.map { OptFeature($0, stride: s, tiltedOffset: tiltedOffset) }
        if isStump {
            stumps = c.trees.map { t in
                let n = c.nodes[t.firstNode]
                return OptStump(feature: feats[n.featureIndex], threshold: n.threshold,
                                left: Int64(Double(c.leaves[t.firstLeaf]) * scale), right: Int64(Double(c.leaves[t.firstLeaf + 1]) * scale))
            }
            stageThresholdsFixed = fixedThresholds
            nodes = []; treeRoots = []; leaves = []; leavesFixed = []; treeThresholdsFixed = []; pairs = []
        } else {
            stumps = []
            stageThresholdsFixed = []
            var flat: [OptNode] = []
            for t in c.trees {
                func absolute(_ child: Int) -> Int32 { child > 0 ? Int32(t.firstNode + child) : ~Int32(t.firstLeaf - child) }
                for k in 0..<t.nodeCount {
                    let n = c.nodes[t.firstNode + k]
                    flat.append(OptNode(feature: feats[n.featureIndex], threshold: n.threshold, left: absolute(n.left), right: absolute(n.right)))
                }
            }
            nodes = flat
            treeRoots = c.trees.map { Int32($0.firstNode) }
            leaves = c.leaves.map { Double($0) }
            leavesFixed = shift == nil ? [] : c.leaves.map { Int64(Double($0) * scale) }
            treeThresholdsFixed = shift == nil ? [] : fixedThresholds
            pairs = shift == nil ? [] : CompiledCascade.pairs(c, feats, scale: scale) ?? []
        }
        stageTreeCounts = c.stages.map { Int32($0.treeCount) }
        stageThresholds = c.stages.map { Double($0.threshold) }
        let w = c.windowWidth, h = c.windowHeight
        norm = (1 + s * 1, (w - 1) + s * 1, 1 + s * (h - 1), (w - 1) + s * (h - 1))
        normArea = Double((w - 2) * (h - 2))
    }

    /// Every tree as an `OptPair`, or nil if some tree has another shape.
    static func pairs(_ c: Cascade, _ feats: [OptFeature], scale: Double) -> [OptPair]? {
        var out: [OptPair] = []
        for t in c.trees {
            guard t.nodeCount == 2 else { return nil }
            let n0 = c.nodes[t.firstNode], n1 = c.nodes[t.firstNode + 1]
            guard n1.left <= 0, n1.right <= 0, (n0.left == 1) != (n0.right == 1), min(n0.left, n0.right) <= 0 else { return nil }
            func leaf(_ child: Int) -> Int64 { Int64(Double(c.leaves[t.firstLeaf - child]) * scale) }
            out.append(OptPair(root: feats[n0.featureIndex], child: feats[n1.featureIndex], rootThreshold: n0.threshold,
                               childThreshold: n1.threshold, childOnLeft: n0.left == 1,
                               rootLeaf: leaf(n0.left == 1 ? n0.right : n0.left), childLeft: leaf(n1.left), childRight: leaf(n1.right)))
        }
        return out
    }

    /// OpenCV sums a stage's float leaves in double. When every leaf is a multiple of 2^-k and
    /// every partial sum stays below 2^(52-k) in magnitude, those double additions are exact, so
    /// integer sums of leaf * 2^k give the same comparisons with no rounding and 1-cycle adds.
    /// Returns k, or nil when the bound fails (the tree path in double is used then). Debian's
    /// cascades need at most 46 bits (haarcascade_frontalface_default: leaf ulp 2^-38, stage sums < 207).
    static func leafShift(_ c: Cascade) -> Int? {
        var k = Int.min
        for v in c.leaves where v != 0 { k = max(k, -Int(v.ulp.exponent)) }
        if k == Int.min { k = 0 }
        guard k <= 200 else { return nil }
        let scale = Double(sign: .plus, exponent: k, significand: 1)
        for st in c.stages {
            var bound = 0.0
            for t in c.trees[st.firstTree..<(st.firstTree + st.treeCount)] {
                bound += c.leaves[t.firstLeaf...(t.firstLeaf + t.nodeCount)].map { abs(Double($0)) }.max() ?? 0
            }
            guard bound * scale < 0x1p51 else { return nil }
        }
        return k
    }
}
