/// Turns the XML tree of an OpenCV cascade into a `Cascade`. Handles the current format
/// (`opencv-cascade-classifier`, written by opencv_traincascade) and the old one
/// (`opencv-haar-classifier`, from opencv_haartraining), which OpenCV converts on load the same
/// way (`cascadedetect_convert.cpp`): nodes keep their order, leaves are numbered left then right.
struct CascadeParser {
    let tree: XMLTree

    /// OpenCV lowers every stage threshold by this (`Data::read`, THRESHOLD_EPS).
    static let thresholdEpsilon: Float = 1e-5

    func parse() throws(CascadeError) -> Cascade {
        guard tree.nameEquals(tree.root, "opencv_storage") else {
            throw .unsupported(element: tree.name(tree.root), found: tree.name(tree.root), expected: "<opencv_storage> as the root")
        }
        guard let top = tree.children(tree.root).first else {
            throw .missingElement(element: "opencv_storage", expected: "a cascade element inside")
        }
        if tree.child(top, named: "stageType") != nil { return try parseCurrent(top) }
        if tree.child(top, named: "size") != nil || tree.attribute(top, "type_id") == "opencv-haar-classifier" {
            return try parseOld(top)
        }
        throw .missingElement(element: tree.name(top) + "/stageType",
                              expected: "a current-format cascade (stageType) or an old one (size)")
    }

    // MARK: - Current format

    private func parseCurrent(_ top: Int) throws(CascadeError) -> Cascade {
        let base = tree.name(top)
        let stageType = tree.text(try required(top, "stageType", base))
        guard stageType == "BOOST" else { throw .unsupported(element: base + "/stageType", found: stageType, expected: "BOOST") }
        let featureType = tree.text(try required(top, "featureType", base))
        guard featureType == "HAAR" else {
            throw .unsupported(element: base + "/featureType", found: featureType, expected: "HAAR (LBP and HOG are not supported)")
        }
        let height = try int(try required(top, "height", base), base + "/height")
        let width = try int(try required(top, "width", base), base + "/width")
        let featureParams = try required(top, "featureParams", base)
        if let cat = tree.child(featureParams, named: "maxCatCount") {
            let n = try int(cat, base + "/featureParams/maxCatCount")
            guard n == 0 else { throw .unsupported(element: base + "/featureParams/maxCatCount", found: "\(n)", expected: "0 (ordered Haar features)") }
        }

        var stages: [Cascade.Stage] = []
        var trees: [Cascade.Tree] = []
        var nodes: [Cascade.Node] = []
        var leaves: [Float] = []
        let stagesEl = try required(top, "stages", base)
        for (si, stageEl) in tree.children(stagesEl).enumerated() {
            let sp = "\(base)/stages/_[\(si)]"
            let threshold = try float(try required(stageEl, "stageThreshold", sp), sp + "/stageThreshold")
            let weaks = tree.children(try required(stageEl, "weakClassifiers", sp))
            stages.append(.init(firstTree: trees.count, treeCount: weaks.count, threshold: threshold - CascadeParser.thresholdEpsilon))
            for (wi, weak) in weaks.enumerated() {
                let wp = "\(sp)/weakClassifiers/_[\(wi)]"
                let nodeTokens = tree.tokens(try required(weak, "internalNodes", wp))
                let leafTokens = tree.tokens(try required(weak, "leafValues", wp))
                guard !nodeTokens.isEmpty, nodeTokens.count % 4 == 0 else {
                    throw .invalidValue(element: wp + "/internalNodes", found: "\(nodeTokens.count) numbers",
                                        expected: "a positive multiple of 4 (left right featureIdx threshold)")
                }
                let nodeCount = nodeTokens.count / 4
                guard leafTokens.count == nodeCount + 1 else {
                    throw .invalidValue(element: wp + "/leafValues", found: "\(leafTokens.count) numbers", expected: "\(nodeCount + 1) leaves")
                }
                try checkCount(nodes.count + nodeCount, wp)
                trees.append(.init(firstNode: nodes.count, nodeCount: nodeCount, firstLeaf: leaves.count))
                for k in 0..<nodeCount {
                    let p = wp + "/internalNodes"
                    nodes.append(.init(featureIndex: try int(nodeTokens[4 * k + 2], p), threshold: try float(nodeTokens[4 * k + 3], p),
                                       left: try int(nodeTokens[4 * k], p), right: try int(nodeTokens[4 * k + 1], p)))
                }
                for t in leafTokens { leaves.append(try float(t, wp + "/leafValues")) }
            }
        }

        var features: [Cascade.Feature] = []
        for (fi, fEl) in tree.children(try required(top, "features", base)).enumerated() {
            let fp = "\(base)/features/_[\(fi)]"
            var rects: [Cascade.WeightedRect] = []
            for (ri, rEl) in tree.children(try required(fEl, "rects", fp)).enumerated() {
                rects.append(try rect(tree.tokens(rEl), "\(fp)/rects/_[\(ri)]"))
            }
            let tilted = try tree.child(fEl, named: "tilted").map { (e) throws(CascadeError) in try int(e, fp + "/tilted") != 0 } ?? false
            features.append(.init(rects: rects, tilted: tilted))
            try checkCount(features.count, fp)
        }
        return try Cascade(windowWidth: width, windowHeight: height, features: features, stages: stages,
                           trees: trees, nodes: nodes, leaves: leaves)
    }

    // MARK: - Old format

    private func parseOld(_ top: Int) throws(CascadeError) -> Cascade {
        let base = tree.name(top)
        let size = tree.tokens(try required(top, "size", base))
        guard size.count == 2 else { throw .invalidValue(element: base + "/size", found: size.joined(separator: " "), expected: "width height") }
        let width = try int(size[0], base + "/size"), height = try int(size[1], base + "/size")

        var stages: [Cascade.Stage] = []
        var trees: [Cascade.Tree] = []
        var nodes: [Cascade.Node] = []
        var leaves: [Float] = []
        var features: [Cascade.Feature] = []
        for (si, stageEl) in tree.children(try required(top, "stages", base)).enumerated() {
            let sp = "\(base)/stages/_[\(si)]"
            let threshold = try float(try required(stageEl, "stage_threshold", sp), sp + "/stage_threshold")
            let treeEls = tree.children(try required(stageEl, "trees", sp))
            stages.append(.init(firstTree: trees.count, treeCount: treeEls.count, threshold: threshold - CascadeParser.thresholdEpsilon))
            for (ti, treeEl) in treeEls.enumerated() {
                let tp = "\(sp)/trees/_[\(ti)]"
                let nodeEls = tree.children(treeEl)
                let firstNode = nodes.count, firstLeaf = leaves.count
                for (ni, nodeEl) in nodeEls.enumerated() {
                    let np = "\(tp)/_[\(ni)]"
                    let fEl = try required(nodeEl, "feature", np)
                    var rects: [Cascade.WeightedRect] = []
                    for (ri, rEl) in tree.children(try required(fEl, "rects", np + "/feature")).enumerated() {
                        rects.append(try rect(tree.tokens(rEl), "\(np)/feature/rects/_[\(ri)]"))
                    }
                    let tilted = try tree.child(fEl, named: "tilted").map { (e) throws(CascadeError) in try int(e, np + "/feature/tilted") != 0 } ?? false
                    features.append(.init(rects: rects, tilted: tilted))
                    let threshold = try float(try required(nodeEl, "threshold", np), np + "/threshold")
                    let left = try child(nodeEl, np, value: "left_val", node: "left_node", leaves: &leaves, firstLeaf: firstLeaf)
                    let right = try child(nodeEl, np, value: "right_val", node: "right_node", leaves: &leaves, firstLeaf: firstLeaf)
                    nodes.append(.init(featureIndex: features.count - 1, threshold: threshold, left: left, right: right))
                    try checkCount(nodes.count + leaves.count, np)
                }
                let nodeCount = nodes.count - firstNode
                guard nodeCount >= 1, leaves.count - firstLeaf == nodeCount + 1 else {
                    throw .invalidValue(element: tp, found: "\(nodeCount) nodes, \(leaves.count - firstLeaf) leaf values",
                                        expected: "a binary tree: at least one node and nodes+1 leaf values")
                }
                trees.append(.init(firstNode: firstNode, nodeCount: nodeCount, firstLeaf: firstLeaf))
            }
        }
        return try Cascade(windowWidth: width, windowHeight: height, features: features, stages: stages,
                           trees: trees, nodes: nodes, leaves: leaves)
    }

    /// A node's left or right branch: a leaf value (stored, returned as `-leafIndex`) or a node index.
    private func child(_ nodeEl: Int, _ np: String, value: StaticString, node: StaticString,
                       leaves: inout [Float], firstLeaf: Int) throws(CascadeError) -> Int {
        if let v = tree.child(nodeEl, named: value) {
            leaves.append(try float(v, "\(np)/\(value)"))
            return -(leaves.count - 1 - firstLeaf)
        }
        if let n = tree.child(nodeEl, named: node) { return try int(n, "\(np)/\(node)") }
        throw .missingElement(element: "\(np)/\(value)", expected: "<\(value)> or <\(node)>")
    }

    // MARK: - Values

    private func required(_ e: Int, _ name: StaticString, _ path: String) throws(CascadeError) -> Int {
        guard let c = tree.child(e, named: name) else { throw .missingElement(element: "\(path)/\(name)", expected: "<\(name)>") }
        return c
    }

    private func checkCount(_ n: Int, _ path: String) throws(CascadeError) {
        guard n <= Cascade.maxCount else { throw .invalidValue(element: path, found: "\(n) items", expected: "at most \(Cascade.maxCount)") }
    }

    private func rect(_ t: [Substring], _ path: String) throws(CascadeError) -> Cascade.WeightedRect {
        guard t.count == 5 else { throw .invalidValue(element: path, found: t.joined(separator: " "), expected: "x y width height weight") }
        return .init(x: try int(t[0], path), y: try int(t[1], path), width: try int(t[2], path), height: try int(t[3], path),
                     weight: try float(t[4], path))
    }

    private func int(_ e: Int, _ path: String) throws(CascadeError) -> Int {
        let t = tree.tokens(e)
        guard t.count == 1 else { throw .invalidValue(element: path, found: t.joined(separator: " "), expected: "one integer") }
        return try int(t[0], path)
    }

    private func int(_ s: Substring, _ path: String) throws(CascadeError) -> Int {
        guard let v = Int(s), abs(v) <= 1 << 30 else { throw .invalidValue(element: path, found: String(s.prefix(40)), expected: "an integer") }
        return v
    }

    private func float(_ e: Int, _ path: String) throws(CascadeError) -> Float {
        let t = tree.tokens(e)
        guard t.count == 1 else { throw .invalidValue(element: path, found: t.joined(separator: " "), expected: "one number") }
        return try float(t[0], path)
    }

    /// Parsed as a double, then rounded to float, as OpenCV's FileStorage + `(float)` cast do.
    private func float(_ s: Substring, _ path: String) throws(CascadeError) -> Float {
        guard let d = Double(s), d.isFinite, Float(d).isFinite else {
            throw .invalidValue(element: path, found: String(s.prefix(40)), expected: "a finite number")
        }
        return Float(d)
    }
}
