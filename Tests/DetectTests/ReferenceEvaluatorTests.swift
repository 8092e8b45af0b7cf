@testable import Detect
import Foundation
import Imaging
import Testing

/// OpenCV's window evaluation written for clarity (cascadedetect.cpp `setWindow`, `predictOrdered`):
/// double stage sums, tree walks by relative indices, integrals from `IntegralImages`.
private func referenceAccepts(_ c: Cascade, _ ii: IntegralImages, x: Int, y: Int) -> (accepted: Bool, stage: Int) {
    let s = ii.width + 1
    func rectSum(_ t: [Int32], _ x0: Int, _ y0: Int, _ w: Int, _ h: Int) -> Int32 {
        t[(y0 * s) + x0] &- t[(y0 * s) + x0 + w] &- t[(y0 + h) * s + x0] &+ t[(y0 + h) * s + x0 + w]
    }
    func tiltedSum(_ r: Cascade.WeightedRect) -> Int32 {
        let t = ii.tilted, x0 = x + r.x, y0 = y + r.y
        return t[y0 * s + x0] &- t[(y0 + r.height) * s + x0 - r.height] &- t[(y0 + r.width) * s + x0 + r.width]
            &+ t[(y0 + r.width + r.height) * s + x0 + r.width - r.height]
    }
    let nw = c.windowWidth - 2, nh = c.windowHeight - 2
    let sum = rectSum(ii.sum, x + 1, y + 1, nw, nh)
    let q = ii.squares, i0 = (y + 1) * s + x + 1
    let sq = q[i0] &- q[i0 + nw] &- q[i0 + nh * s] &+ q[i0 + nh * s + nw]
    let area = Double(nw * nh)
    let nf = area * Double(sq) - Double(sum) * Double(sum)
    guard nf > 0 else { return (false, -1) }
    let factor = Float(1 / nf.squareRoot())
    guard area * Double(factor) < 0.1 else { return (false, -1) }
    for (si, stage) in c.stages.enumerated() {
        var total = 0.0
        for t in c.trees[stage.firstTree..<(stage.firstTree + stage.treeCount)] {
            var idx = 0
            repeat {
                let node = c.nodes[t.firstNode + idx]
                let f = c.features[node.featureIndex]
                var v: Float = 0
                for (ri, r) in f.rects.enumerated() {
                    let rs = f.tilted ? tiltedSum(r) : rectSum(ii.sum, x + r.x, y + r.y, r.width, r.height)
                    v = ri == 0 ? r.weight * Float(rs) : v + r.weight * Float(rs)
                }
                idx = v * factor < node.threshold ? node.left : node.right
            } while idx > 0
            total += Double(c.leaves[t.firstLeaf - idx])
        }
        if total < Double(stage.threshold) { return (false, si) }
    }
    return (true, 0)
}

/// The reference scan at scale 1 (step 2, skip the next x after a stage-0 rejection).
private func referenceScan(_ c: Cascade, _ image: GrayImage) -> [Rect] {
    let ii = IntegralImages(image)
    var out: [Rect] = []
    for y in stride(from: 0, through: image.height - c.windowHeight, by: 2) {
        var x = 0
        while x <= image.width - c.windowWidth {
            let r = referenceAccepts(c, ii, x: x, y: y)
            if r.accepted { out.append(Rect(x: x, y: y, width: c.windowWidth, height: c.windowHeight)) }
            if !r.accepted && r.stage == 0 { x += 2 }
            x += 2
        }
    }
    return out
}

/// A copy of `c` with one leaf so small that the fixed-point stage sums are not provably exact,
/// which sends the detector down its double-precision tree walk.
private func forcingDoubleSums(_ c: Cascade) throws -> Cascade {
    var leaves = c.leaves
    leaves[leaves.count - 1] = 1e-30
    return try Cascade(windowWidth: c.windowWidth, windowHeight: c.windowHeight, features: c.features, stages: c.stages,
                       trees: c.trees, nodes: c.nodes, leaves: leaves)
}

/// Each fast evaluation path (fixed-point stumps, branch-free two-node trees, tree walk in fixed
/// point and in double) against the reference, on every scale-1 window of a real photo.
@Test(arguments: ["haarcascade_frontalface_default.xml", "haarcascade_frontalface_alt2.xml", "haarcascade_eye_tree_eyeglasses.xml", "double"])
func fastPathsMatchReference(_ name: String) throws {
    let cascade = name == "double"
        ? try forcingDoubleSums(Cascade(contentsOf: SharedData.cascades + "/haarcascade_frontalface_alt2.xml"))
        : try Cascade(contentsOf: SharedData.cascades + "/" + name)
    let compiled = CompiledCascade(cascade, stride: 100, tiltedOffset: 0)
    switch name {
    case "haarcascade_frontalface_default.xml": #expect(compiled.isStump)
    case "haarcascade_frontalface_alt2.xml": #expect(!compiled.pairs.isEmpty)
    case "haarcascade_eye_tree_eyeglasses.xml": #expect(compiled.pairs.isEmpty && !compiled.leavesFixed.isEmpty)
    default: #expect(compiled.leavesFixed.isEmpty && !compiled.isStump)
    }
    // img_000 scaled so its 34-pixel faces fill a 24-pixel window, cropped around four of them.
    let photo = try SharedData.gray("images/img_000.jpg").resizedLinear(width: 350, height: 262)
    let image = photo.cropped(to: Rect(x: 50, y: 50, width: 180, height: 130))
    let size = Size(width: cascade.windowWidth, height: cascade.windowHeight)
    let d = FaceDetector(cascade: cascade, parameters: DetectionParameters(scaleFactor: 1.5, minNeighbors: 0, minSize: size, maxSize: size))
    let ours = d.detect(image), reference = referenceScan(cascade, image)
    #expect(!reference.isEmpty || name == "haarcascade_eye_tree_eyeglasses.xml")
    #expect(Set(ours) == Set(reference), "\(name): \(ours.count) vs \(reference.count)")
}
