import FoundationEssentials

/// A validated Haar cascade (OpenCV's BOOST/HAAR model): stages of boosted trees over Haar
/// features. Every index in it was checked at load, so evaluation needs no bounds checks.
public struct Cascade: Sendable {
    /// One weighted rectangle of a Haar feature, in window coordinates.
    public struct WeightedRect: Sendable, Equatable {
        public var x, y, width, height: Int
        public var weight: Float
    }

    /// A Haar feature: 1 to 3 weighted rectangle sums; tilted features use 45° rectangles.
    public struct Feature: Sendable, Equatable {
        public var rects: [WeightedRect]
        public var tilted: Bool
    }

    /// A tree node: `left`/`right` > 0 index another node of the same tree, <= 0 is leaf `-value`.
    public struct Node: Sendable, Equatable {
        public var featureIndex: Int
        public var threshold: Float
        public var left: Int
        public var right: Int
    }

    /// A weak classifier: `nodeCount` nodes from `firstNode`, `nodeCount + 1` leaves from `firstLeaf`.
    public struct Tree: Sendable, Equatable {
        public var firstNode: Int
        public var nodeCount: Int
        public var firstLeaf: Int
    }

    /// A boosting stage: trees `firstTree ..< firstTree + treeCount`; the window passes when the
    /// sum of their leaves is >= `threshold` (already lowered by OpenCV's THRESHOLD_EPS = 1e-5).
    public struct Stage: Sendable, Equatable {
        public var firstTree: Int
        public var treeCount: Int
        public var threshold: Float
    }

    public let windowWidth: Int
    public let windowHeight: Int
    public let features: [Feature]
    public let stages: [Stage]
    public let trees: [Tree]
    public let nodes: [Node]
    public let leaves: [Float]

    /// True when every tree is a single node (OpenCV's `predictOrderedStump` path).
    public var isStumpBased: Bool { trees.allSatisfy { $0.nodeCount == 1 } }
    public var hasTiltedFeatures: Bool { features.contains { $0.tilted } }

    /// Limits that reject absurd files before they allocate absurd amounts.
    static let maxWindowSide = 1024
    static let maxCount = 1 << 22

    /// Loads and validates an OpenCV cascade XML file (new `opencv-cascade-classifier` or old
    /// `opencv-haar-classifier` format).
    public init(contentsOf path: String) throws(CascadeError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadable(path: path, reason: "no such file or not readable")
        }
        try self.init(xml: [UInt8](data))
    }

    /// Parses cascade XML bytes.
    public init(xml bytes: [UInt8]) throws(CascadeError) {
        let tree = try XMLTree(bytes: bytes)
        self = try CascadeParser(tree: tree).parse()
    }

    /// Builds a cascade from parts, validating every index.
    init(windowWidth: Int, windowHeight: Int, features: [Feature], stages: [Stage], trees: [Tree],
         nodes: [Node], leaves: [Float]) throws(CascadeError) {
        self.windowWidth = windowWidth
        self.windowHeight = windowHeight
        self.features = features
        self.stages = stages
        self.trees = trees
        self.nodes = nodes
        self.leaves = leaves
        try validate()
    }

    private func validate() throws(CascadeError) {
        guard (3...Cascade.maxWindowSide).contains(windowWidth), (3...Cascade.maxWindowSide).contains(windowHeight) else {
            throw .invalidValue(element: "size", found: "\(windowWidth)x\(windowHeight)",
                                expected: "a window of 3...\(Cascade.maxWindowSide) pixels a side")
        }
        guard !stages.isEmpty else { throw .missingElement(element: "stages", expected: "at least one stage") }
        for (fi, f) in features.enumerated() {
            let el = "features/_[\(fi)]/rects"
            guard (1...3).contains(f.rects.count) else {
                throw .invalidValue(element: el, found: "\(f.rects.count) rects", expected: "1 to 3 rects")
            }
            for r in f.rects {
                let inside: Bool
                if f.tilted {
                    // A tilted rect spans x-h ... x+w horizontally and y ... y+w+h vertically.
                    inside = r.width >= 0 && r.height >= 0 && r.x - r.height >= 0 && r.y >= 0
                        && r.x + r.width <= windowWidth && r.y + r.width + r.height <= windowHeight
                } else {
                    inside = r.width >= 0 && r.height >= 0 && r.x >= 0 && r.y >= 0
                        && r.x + r.width <= windowWidth && r.y + r.height <= windowHeight
                }
                guard inside else {
                    throw .invalidValue(element: el, found: "\(r.x) \(r.y) \(r.width) \(r.height)\(f.tilted ? " tilted" : "")",
                                        expected: "a rect inside the \(windowWidth)x\(windowHeight) window")
                }
                guard r.weight.isFinite else { throw .invalidValue(element: el, found: "\(r.weight)", expected: "a finite weight") }
            }
        }
        for (si, s) in stages.enumerated() {
            guard s.threshold.isFinite else {
                throw .invalidValue(element: "stages/_[\(si)]/stageThreshold", found: "\(s.threshold)", expected: "a finite number")
            }
            guard s.treeCount >= 1, s.firstTree >= 0, s.firstTree + s.treeCount <= trees.count else {
                throw .invalidValue(element: "stages/_[\(si)]/weakClassifiers", found: "\(s.treeCount) trees",
                                    expected: "at least one weak classifier")
            }
        }
        for (ti, t) in trees.enumerated() {
            guard t.nodeCount >= 1, t.firstNode + t.nodeCount <= nodes.count, t.firstLeaf + t.nodeCount + 1 <= leaves.count else {
                throw .invalidValue(element: "weakClassifiers/_[\(ti)]", found: "\(t.nodeCount) nodes",
                                    expected: "at least one node and nodes+1 leaves")
            }
            for k in 0..<t.nodeCount {
                let node = nodes[t.firstNode + k]
                let el = "weakClassifiers/_[\(ti)]/internalNodes"
                guard node.featureIndex >= 0 && node.featureIndex < features.count else {
                    throw .indexOutOfRange(element: el, index: node.featureIndex, expected: "a feature index below \(features.count)")
                }
                guard node.threshold.isFinite else { throw .invalidValue(element: el, found: "\(node.threshold)", expected: "a finite threshold") }
                for child in [node.left, node.right] {
                    // Children must point forward so evaluation always terminates.
                    if child > 0 {
                        guard child > k && child < t.nodeCount else {
                            throw .indexOutOfRange(element: el, index: child, expected: "a node index in \(k + 1)..<\(t.nodeCount)")
                        }
                    } else {
                        guard -child <= t.nodeCount else {
                            throw .indexOutOfRange(element: el, index: child, expected: "a leaf index in -\(t.nodeCount)...0")
                        }
                    }
                }
            }
        }
        for (li, v) in leaves.enumerated() where !v.isFinite {
            throw .invalidValue(element: "leafValues[\(li)]", found: "\(v)", expected: "a finite number")
        }
    }
}
