import Detect
import Imaging
import Testing

@Test func groupingKeepsClustersAboveThreshold() {
    let a = Rect(x: 100, y: 100, width: 50, height: 50)
    let cluster = [a, Rect(x: 102, y: 101, width: 50, height: 50), Rect(x: 99, y: 103, width: 52, height: 52), Rect(x: 101, y: 99, width: 49, height: 49)]
    let lonely = Rect(x: 400, y: 10, width: 30, height: 30)
    // Averages in float, rounded half to even: x (100+102+99+101)/4 = 100.5 -> 100.
    #expect(groupRectangles(cluster + [lonely], groupThreshold: 3) == [Rect(x: 100, y: 101, width: 50, height: 50)])
    #expect(groupRectangles(cluster + [lonely], groupThreshold: 4).isEmpty)
    #expect(groupRectangles(cluster + [lonely], groupThreshold: 0) == cluster + [lonely])
}

@Test func groupingDropsSmallClusterInsideStrongerOne() {
    let big = (0..<6).map { Rect(x: 100 + $0, y: 100, width: 100, height: 100) }
    let small = (0..<4).map { Rect(x: 130 + $0, y: 130, width: 30, height: 30) }
    #expect(groupRectangles(big + small, groupThreshold: 2) == [Rect(x: 102, y: 100, width: 100, height: 100)])
}

/// Similarity is transitive through chains (cv::partition is a union-find).
@Test func groupingChainsSimilarRects() {
    let chain = (0..<8).map { Rect(x: $0 * 8, y: 0, width: 50, height: 50) }
    let out = groupRectangles(chain, groupThreshold: 1)
    #expect(out == [Rect(x: 28, y: 0, width: 50, height: 50)])
}
