/// How the probabilities of a track are smoothed over its frames.
public enum Smoothing: Sendable, Equatable {
    /// Exponential moving average: `s = alpha * p + (1 - alpha) * s`, started at the first observation.
    case ema(alpha: Double)
    /// Per-class median over the last `window` observations, renormalised to sum to 1.
    case median(window: Int)
}

/// Tunables of the tracker; defaults match `config/ferd.toml` `[tracker]`.
public struct TrackerConfig: Sendable, Equatable {
    /// Minimum IoU between a track's last box and a detection for them to be associated.
    public var iouThreshold: Double = 0.3
    /// Consecutive hits before a track is announced (`new`); a tentative track that misses once is dropped.
    public var minHits: Int = 3
    /// Consecutive missed frames after which a confirmed track ends.
    public var maxMissed: Int = 10
    /// Faces whose box is narrower or shorter than this (pixels) are ignored.
    public var minFaceSize: Int = 40
    public var smoothing: Smoothing = .ema(alpha: 0.3)
    /// Seconds between periodic `update`s of a track whose emotion did not change; 0 turns them off.
    public var updateInterval: Double = 10
    /// Rate limit: at least this many seconds between two events of one track (`end` excepted).
    public var minUpdateGap: Double = 1
    /// Class names in the model's output order.
    public var labels: [String]

    public init(labels: [String]) {
        self.labels = labels
    }
}
