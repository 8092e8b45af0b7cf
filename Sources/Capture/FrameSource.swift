import Imaging

/// One captured image, gray, with where it sits in time.
public struct Frame: Sendable {
    public var image: GrayImage
    /// Counts frames this source delivered, 0, 1, 2...; keeps rising across reconnects.
    public var sequence: UInt64
    /// The driver's own sequence number (V4L2 `sequence`; restarts at each STREAMON); for files, the frame index.
    public var deviceSequence: UInt64
    /// CLOCK_MONOTONIC capture time in nanoseconds (the V4L2 buffer timestamp when monotonic).
    public var timestampNanos: UInt64

    public init(image: GrayImage, sequence: UInt64, deviceSequence: UInt64, timestampNanos: UInt64) {
        self.image = image
        self.sequence = sequence
        self.deviceSequence = deviceSequence
        self.timestampNanos = timestampNanos
    }
}

/// Where a source stands; the daemon publishes it (streaming / no_device / error).
public enum CaptureState: Sendable, Equatable, CustomStringConvertible {
    /// Created, not yet opened.
    case starting
    /// Frames are arriving.
    case streaming
    /// The device node is absent or was unplugged; retrying.
    case noDevice(String)
    /// The device is present but failing; retrying.
    case error(String)
    /// `stop()` was called, or a non-looping file source reached its end.
    case stopped

    /// The status word the daemon publishes: `starting`, `streaming`, `no_device`, `error`, `stopped`.
    public var name: String {
        switch self {
        case .starting: "starting"
        case .streaming: "streaming"
        case .noDevice: "no_device"
        case .error: "error"
        case .stopped: "stopped"
        }
    }

    public var description: String {
        switch self {
        case .noDevice(let why), .error(let why): "\(name): \(why)"
        default: name
        }
    }
}

/// Counters since the source was created.
public struct CaptureStats: Sendable, Equatable {
    /// Frames delivered by `nextFrame`.
    public var frames: UInt64 = 0
    /// Good frames skipped because a newer one was already queued (or, for files, because the consumer fell behind).
    public var staleDrops: UInt64 = 0
    /// Frames the driver numbered but never handed over (gaps in the V4L2 sequence): it had no
    /// free buffer because the consumer was slow, or it dropped them itself.
    public var driverDrops: UInt64 = 0
    /// Buffers the driver flagged V4L2_BUF_FLAG_ERROR or that were too short for the format.
    public var errorFrames: UInt64 = 0
    /// MJPEG/JPEG frames that did not decode.
    public var decodeFailures: UInt64 = 0
    /// Recoveries: outages that ended with frames flowing again.
    public var reconnects: UInt64 = 0
    /// Outages (each logged once).
    public var outages: UInt64 = 0

    public init() {}
}

/// Anything the daemon pipeline can take frames from: a V4L2 camera or a development file source.
/// `nextFrame` is called from one thread at a time; `state`, `stats` and `stop` from any thread.
public protocol FrameSource: AnyObject, Sendable {
    /// Waits up to `timeout` for the next frame; nil when none came in time (the source keeps
    /// recovering in the background of these calls) or the source is stopped. The returned image
    /// shares the source's buffer: drop it before the next call and no frame allocates.
    func nextFrame(timeout: Duration) throws(CaptureError) -> Frame?
    var state: CaptureState { get }
    var stats: CaptureStats { get }
    /// Makes a blocked or later `nextFrame` return nil promptly and releases the device.
    func stop()
}

extension Duration {
    /// Whole nanoseconds, saturating at 0 for negative durations.
    var nanos: UInt64 {
        let (s, a) = components
        if s < 0 { return 0 }
        return UInt64(s) * 1_000_000_000 + UInt64(a / 1_000_000_000)
    }
}
