import Imaging

/// Greedy IoU matching: the pair with the highest IoU is matched first, then the next among the
/// unmatched, down to `threshold`. Ties go to the lower track index, then the lower detection index,
/// so the result is deterministic. With few faces per frame this matches Hungarian in practice.
struct GreedyMatcher: Sendable {
    private var pairs: [(iou: Double, track: Int, detection: Int)] = []
    private var trackTaken: [Bool] = []
    /// For each detection, the matched track index or -1.
    private(set) var detectionToTrack: [Int] = []
    /// For each track, the matched detection index or -1.
    private(set) var trackToDetection: [Int] = []

    mutating func match(tracks: [Rect], detections: [Rect], threshold: Double) {
        pairs.removeAll(keepingCapacity: true)
        for (t, tb) in tracks.enumerated() {
            for (d, db) in detections.enumerated() {
                let iou = tb.iou(db)
                if iou >= threshold && iou > 0 { pairs.append((iou, t, d)) }
            }
        }
        pairs.sort { a, b in
            if a.iou != b.iou { return a.iou > b.iou }
            if a.track != b.track { return a.track < b.track }
            return a.detection < b.detection
        }
        trackToDetection.removeAll(keepingCapacity: true)
        trackToDetection.append(contentsOf: repeatElement(-1, count: tracks.count))
        detectionToTrack.removeAll(keepingCapacity: true)
        detectionToTrack.append(contentsOf: repeatElement(-1, count: detections.count))
        for p in pairs where trackToDetection[p.track] < 0 && detectionToTrack[p.detection] < 0 {
            trackToDetection[p.track] = p.detection
            detectionToTrack[p.detection] = p.track
        }
    }
}
