import Imaging

/// Follows faces across frames and decides which changes are worth announcing.
///
/// Pure and deterministic: feed it each frame's observations with the frame's unix time; it returns
/// the `new` / `update` / `end` events that frame caused. Ids come from a seeded generator.
public struct Tracker: Sendable {
    public let config: TrackerConfig

    struct Track: Sendable {
        var id: String?            // nil while tentative
        var box: Rect
        var hits = 1
        var missed = 0
        var firstSeen: Double
        var lastSeen: Double
        var smoother: Smoother
        var publishedEmotion = -1
        var lastEventTime = -Double.infinity
    }

    private var tracks: [Track] = []
    private var ids: TrackIDGenerator
    private var matcher = GreedyMatcher()
    private var trackBoxes: [Rect] = []
    private var detections: [FaceObservation] = []
    private var detectionBoxes: [Rect] = []
    private var events: [TrackEvent] = []
    private var survivors: [Track] = []   // reused between frames

    public init(config: TrackerConfig, seed: UInt64) {
        precondition(!config.labels.isEmpty, "tracker needs at least one class label")
        self.config = config
        ids = TrackIDGenerator(seed: seed)
    }

    /// Number of announced (confirmed) tracks alive now.
    public var confirmedCount: Int { tracks.reduce(0) { $0 + ($1.id == nil ? 0 : 1) } }

    /// Faces present now and the emotion that dominates their summed smoothed probabilities.
    public var summary: TrackSummary {
        var sum = [Float](repeating: 0, count: config.labels.count)
        var faces = 0
        for t in tracks where t.id != nil {
            faces += 1
            for c in 0..<sum.count { sum[c] += t.smoother.value[c] }
        }
        guard faces > 0 else { return TrackSummary(faces: 0, emotion: nil, label: nil) }
        var best = 0
        for c in 1..<sum.count where sum[c] > sum[best] { best = c }
        return TrackSummary(faces: faces, emotion: best, label: config.labels[best])
    }

    /// Advances by one frame taken at unix time `time` and returns the events it caused, in track age order.
    public mutating func step(_ observations: [FaceObservation], time: Double) -> [TrackEvent] {
        events.removeAll(keepingCapacity: true)
        detections.removeAll(keepingCapacity: true)
        for o in observations where o.box.width >= config.minFaceSize && o.box.height >= config.minFaceSize {
            precondition(o.probabilities.count == config.labels.count,
                         "observation has \(o.probabilities.count) probabilities, tracker has \(config.labels.count) labels")
            detections.append(o)
        }
        trackBoxes.removeAll(keepingCapacity: true)
        for t in tracks { trackBoxes.append(t.box) }
        detectionBoxes.removeAll(keepingCapacity: true)
        for d in detections { detectionBoxes.append(d.box) }
        matcher.match(tracks: trackBoxes, detections: detectionBoxes, threshold: config.iouThreshold)

        var alive: [Track] = []
        swap(&alive, &survivors)   // take the spare buffer uniquely, so removeAll keeps its capacity
        alive.removeAll(keepingCapacity: true)
        for (i, var t) in tracks.enumerated() {
            let d = matcher.trackToDetection[i]
            if d >= 0 {
                t.box = detections[d].box
                t.hits += 1
                t.missed = 0
                t.lastSeen = time
                t.smoother.add(detections[d].probabilities)
                if t.id == nil && t.hits >= config.minHits {
                    t.id = ids.next(time: t.firstSeen)
                    emit(.new, nil, &t, time)
                } else if t.id != nil {
                    decideUpdate(&t, time)
                }
                alive.append(t)
            } else if t.id == nil {
                continue   // tentative and inconsistent: forget silently, never announced
            } else {
                t.missed += 1
                if t.missed >= config.maxMissed {
                    emit(.end, nil, &t, time)
                } else {
                    alive.append(t)
                }
            }
        }
        for (d, o) in detections.enumerated() where matcher.detectionToTrack[d] < 0 {
            var t = Track(box: o.box, firstSeen: time, lastSeen: time,
                          smoother: Smoother(mode: config.smoothing, classes: config.labels.count))
            t.smoother.add(o.probabilities)
            if config.minHits <= 1 {
                t.id = ids.next(time: time)
                emit(.new, nil, &t, time)
            }
            alive.append(t)
        }
        survivors = tracks
        tracks = alive
        detections.removeAll(keepingCapacity: true)   // let the caller reuse its probability arrays in place
        return events
    }

    /// Ends every confirmed track now (camera lost, shutdown) and returns their `end` events.
    public mutating func endAll(time: Double) -> [TrackEvent] {
        events.removeAll(keepingCapacity: true)
        for var t in tracks where t.id != nil { emit(.end, nil, &t, time) }
        tracks.removeAll()
        return events
    }

    private mutating func decideUpdate(_ t: inout Track, _ time: Double) {
        let since = time - t.lastEventTime
        if t.smoother.dominant != t.publishedEmotion {
            if since >= config.minUpdateGap { emit(.update, .emotionChanged, &t, time) }
        } else if config.updateInterval > 0 && since >= config.updateInterval {
            emit(.update, .periodic, &t, time)
        }
    }

    private mutating func emit(_ kind: TrackEvent.Kind, _ reason: TrackEvent.Reason?, _ t: inout Track, _ time: Double) {
        let e = t.smoother.dominant
        events.append(TrackEvent(kind: kind, reason: reason, trackID: t.id ?? "", box: t.box, emotion: e,
                                 label: config.labels[e], confidence: t.smoother.value[e],
                                 probabilities: t.smoother.value, firstSeen: t.firstSeen, lastSeen: t.lastSeen, time: time))
        t.publishedEmotion = e
        t.lastEventTime = time
    }
}
