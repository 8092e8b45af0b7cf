import Imaging

/// OpenCV's `groupRectangles(rects, groupThreshold, eps)`: clusters similar rectangles
/// (`SimilarRects`: every edge within eps * mean of the smaller sides), averages each cluster,
/// keeps clusters with more than `groupThreshold` members, and drops a cluster lying inside a
/// stronger one. With `groupThreshold <= 0` the rectangles come back unchanged.
public func groupRectangles(_ rects: [Rect], groupThreshold: Int, eps: Double = 0.2) -> [Rect] {
    var grouper = RectangleGrouper()
    return grouper.group(rects, groupThreshold: groupThreshold, eps: eps)
}

/// The grouping with its scratch arrays kept between calls (no per-frame allocation once warm).
struct RectangleGrouper {
    private var parent: [Int] = []
    private var label: [Int] = []
    private var sums: [(x: Int, y: Int, w: Int, h: Int, n: Int)] = []
    private var averaged: [Rect] = []

    mutating func group(_ rects: [Rect], groupThreshold: Int, eps: Double) -> [Rect] {
        if groupThreshold <= 0 || rects.isEmpty { return rects }
        let n = rects.count
        parent.removeAll(keepingCapacity: true)
        parent.append(contentsOf: 0..<n)
        func find(_ i: Int) -> Int {
            var r = i
            while parent[r] != r { r = parent[r] }
            var j = i
            while parent[j] != r { let next = parent[j]; parent[j] = r; j = next }
            return r
        }
        for i in 0..<n {
            for j in (i + 1)..<max(n, i + 1) where similar(rects[i], rects[j], eps) {
                let a = find(i), b = find(j)
                if a != b { parent[max(a, b)] = min(a, b) }
            }
        }
        // Classes numbered by first appearance, as cv::partition does.
        label.removeAll(keepingCapacity: true)
        label.append(contentsOf: repeatElement(-1, count: n))
        sums.removeAll(keepingCapacity: true)
        for i in 0..<n {
            let root = find(i)
            if label[root] < 0 { label[root] = sums.count; sums.append((0, 0, 0, 0, 0)) }
            let c = label[root]
            sums[c].x += rects[i].x; sums[c].y += rects[i].y
            sums[c].w += rects[i].width; sums[c].h += rects[i].height
            sums[c].n += 1
        }
        averaged.removeAll(keepingCapacity: true)
        for s in sums {
            // float s = 1.f/rweights[i]; saturate_cast<int>(r.x*s): float math, round half to even.
            let inv = 1 / Float(s.n)
            func avg(_ v: Int) -> Int { Int((Float(v) * inv).rounded(.toNearestOrEven)) }
            averaged.append(Rect(x: avg(s.x), y: avg(s.y), width: avg(s.w), height: avg(s.h)))
        }
        var out: [Rect] = []
        for i in 0..<sums.count {
            let r1 = averaged[i], n1 = sums[i].n
            if n1 <= groupThreshold { continue }
            var keep = true
            for j in 0..<sums.count where j != i {
                let n2 = sums[j].n
                if n2 <= groupThreshold { continue }
                let r2 = averaged[j]
                let dx = Int((Double(r2.width) * eps).rounded(.toNearestOrEven))
                let dy = Int((Double(r2.height) * eps).rounded(.toNearestOrEven))
                if r1.x >= r2.x - dx && r1.y >= r2.y - dy && r1.x + r1.width <= r2.x + r2.width + dx
                    && r1.y + r1.height <= r2.y + r2.height + dy && (n2 > max(3, n1) || n1 < 3) {
                    keep = false
                    break
                }
            }
            if keep { out.append(r1) }
        }
        return out
    }

    /// cv::SimilarRects.
    @inline(__always)
    private func similar(_ a: Rect, _ b: Rect, _ eps: Double) -> Bool {
        let delta = eps * Double(min(a.width, b.width) + min(a.height, b.height)) * 0.5
        return Double(abs(a.x - b.x)) <= delta && Double(abs(a.y - b.y)) <= delta
            && Double(abs(a.x + a.width - b.x - b.width)) <= delta && Double(abs(a.y + a.height - b.y - b.height)) <= delta
    }
}
