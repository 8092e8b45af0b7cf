import Imaging

/// A decision of the tracker about one face: announce it, report a change, or say it left.
public struct TrackEvent: Sendable, Equatable {
    public enum Kind: String, Sendable { case new, update, end }
    /// Why an `update` was sent.
    public enum Reason: String, Sendable { case emotionChanged = "emotion_changed", periodic }

    public var kind: Kind
    public var reason: Reason?
    public var trackID: String
    /// The last box seen for the track, in frame pixels.
    public var box: Rect
    /// Index of the dominant class in `probabilities` (and in the tracker's labels).
    public var emotion: Int
    public var label: String
    /// Smoothed probability of the dominant class.
    public var confidence: Float
    /// Smoothed probabilities, one per class.
    public var probabilities: [Float]
    /// Unix times (seconds) of the track's first and latest hit.
    public var firstSeen: Double
    public var lastSeen: Double
    /// Unix time of the frame that produced this event.
    public var time: Double

    public init(kind: Kind, reason: Reason?, trackID: String, box: Rect, emotion: Int, label: String, confidence: Float,
                probabilities: [Float], firstSeen: Double, lastSeen: Double, time: Double) {
        self.kind = kind
        self.reason = reason
        self.trackID = trackID
        self.box = box
        self.emotion = emotion
        self.label = label
        self.confidence = confidence
        self.probabilities = probabilities
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.time = time
    }
}

/// The faces currently tracked (confirmed) in a camera and the emotion that dominates them.
public struct TrackSummary: Sendable, Equatable {
    public var faces: Int
    /// Argmax of the summed smoothed probabilities of all confirmed tracks; nil without faces.
    public var emotion: Int?
    public var label: String?

    public init(faces: Int, emotion: Int?, label: String?) {
        self.faces = faces
        self.emotion = emotion
        self.label = label
    }
}
