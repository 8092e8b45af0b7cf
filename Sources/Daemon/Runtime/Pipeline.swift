import Track

/// What the camera is doing; published retained on `<prefix>/<device>/<camera>/status`.
public enum CameraState: String, Sendable {
    case streaming
    case noDevice = "no_device"
    case error
}

/// One processed frame: when it was captured and the faces found in it with their class probabilities.
public struct PipelineFrame: Sendable {
    public var time: Double
    public var observations: [FaceObservation]
    public var detectMs: Double
    public var inferMs: Double
    /// Time spent getting the frame from the source (decode; for a paced source also the wait).
    public var captureMs: Double
    /// CLOCK_MONOTONIC capture time in nanoseconds (0 when unknown): frame-to-decision latency starts here.
    public var captureNanos: UInt64

    public init(time: Double, observations: [FaceObservation], detectMs: Double = 0, inferMs: Double = 0,
                captureMs: Double = 0, captureNanos: UInt64 = 0) {
        self.time = time
        self.observations = observations
        self.detectMs = detectMs
        self.inferMs = inferMs
        self.captureMs = captureMs
        self.captureNanos = captureNanos
    }
}

/// Where the daemon gets its faces: capture → detect → recognize, per frame. The V4L2/Haar/int8
/// pipeline implements this; `ScriptedPipeline` plays a file for development and tests.
/// All calls come from the daemon's frame loop thread.
public protocol FacePipeline: AnyObject {
    /// Class names in the model's output order.
    var labels: [String] { get }
    /// Identifies the model in events (e.g. file name and hash).
    var modelID: String { get }
    /// Current camera state (the pipeline retries a missing camera itself).
    var cameraState: CameraState { get }
    /// Frames dropped since start (stale, corrupt, flagged).
    var droppedFrames: Int { get }
    /// Waits up to `timeout` seconds for the next processed frame; nil when none arrived (camera down,
    /// timeout). Must return within about `timeout`: the watchdog is fed between calls.
    func nextFrame(timeout: Double) throws -> PipelineFrame?
    /// Applies a reloaded configuration, or throws (e.g. the new model does not load) and keeps the old one.
    func reconfigure(_ config: FerdConfig) throws
    /// Stops streaming and releases the camera.
    func stop()
}

/// Builds the pipeline for a configuration; the daemon calls it at start.
public typealias PipelineFactory = (FerdConfig) throws -> any FacePipeline
