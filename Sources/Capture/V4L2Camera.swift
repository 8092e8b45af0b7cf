import Imaging
import Logging
import Synchronization

/// A V4L2 camera as a `FrameSource` that survives unplugs, driver errors and stalls: on any
/// outage it logs once, closes everything, retries with capped exponential backoff and resumes
/// when the device is back, without the caller recreating it.
public final class V4L2Camera: FrameSource, @unchecked Sendable {
    // @unchecked: the mutable capture fields below are touched only inside `busy.withLock`.
    public let config: CameraConfig
    private let status: SourceStatus
    private let granted = Mutex<NegotiatedFormat?>(nil)
    private let busy = Mutex<Void>(())
    private let log: Logger

    private var device: V4L2Device?
    private var image = GrayImage(width: 0, height: 0)
    private var sequence: UInt64 = 0
    private var lastFrameNanos: UInt64 = 0
    private var nextAttemptNanos: UInt64 = 0
    private var backoffNanos: UInt64
    private var outage: (reason: CaptureError, since: UInt64, attempts: Int)?

    /// Validates `config`; the device is opened by the first `nextFrame` (so a missing camera is
    /// a state, not an error). `onStateChange` runs on the capture thread at each transition.
    public init(config: CameraConfig, logger: Logger = Logger(label: "edgefer.capture"),
                onStateChange: (@Sendable (CaptureState) -> Void)? = nil) throws(CaptureError) {
        try config.validate()
        self.config = config
        self.log = logger
        self.status = SourceStatus(onChange: onStateChange)
        self.backoffNanos = config.initialBackoff.nanos
        log.info("capture configured: \(config.path) formats=\(config.formats.map(\.rawValue).joined(separator: ",")) \(config.width)x\(config.height) \(config.fps) fps buffers=\(config.bufferCount) mjpeg-scale=1/\(config.mjpegScaleDenominator)")
    }

    deinit { device?.close() }

    public var state: CaptureState { status.state }
    public var stats: CaptureStats { status.stats }
    /// What the device granted at the last successful open; nil before that.
    public var negotiated: NegotiatedFormat? { granted.withLock { $0 } }

    public func stop() {
        status.requestStop()
        busy.withLock { _ in teardown() }
        status.set(.stopped)
    }

    /// Opens, negotiates and closes the device once: what it would grant, or why it cannot.
    public static func probe(_ config: CameraConfig) throws(CaptureError) -> NegotiatedFormat {
        try config.validate()
        let d = try V4L2Device(config: config)
        defer { d.close() }
        return d.format
    }

    public func nextFrame(timeout: Duration) throws(CaptureError) -> Frame? {
        busy.withLock { _ in nextFrameLocked(deadline: Monotonic.nanos() + timeout.nanos) }
    }

    private func nextFrameLocked(deadline: UInt64) -> Frame? {
        while !status.stopped {
            let now = Monotonic.nanos()
            guard let dev = device else {
                if now >= nextAttemptNanos {
                    reopen()
                    if device != nil { continue }
                }
                if now >= deadline { return nil }
                status.sleep(nanos: min(nextAttemptNanos, deadline) - now)
                continue
            }
            let stallEnd = lastFrameNanos + config.stallTimeout.nanos
            if now >= stallEnd {
                fail(.stalled(path: config.path, seconds: Double(config.stallTimeout.nanos) / 1e9))
                continue
            }
            // Poll in slices of at most 100 ms so stop() is seen promptly.
            let wait = min(deadline > now ? deadline - now : 0, stallEnd - now, 100_000_000)
            do {
                if case .frame(let devSeq, let ts) = try dev.grab(into: &image, waitNanos: wait, status: status) {
                    lastFrameNanos = Monotonic.nanos()
                    if outage != nil || state != .streaming { resumed(dev) }
                    status.count { $0.frames += 1 }
                    defer { sequence += 1 }
                    return Frame(image: image, sequence: sequence, deviceSequence: devSeq, timestampNanos: ts)
                }
            } catch {
                fail(error)
                continue
            }
            if Monotonic.nanos() >= deadline { return nil }
        }
        teardown()
        return nil
    }

    /// Opens and starts streaming. The state turns `streaming` (and an outage ends) only when a
    /// frame arrives, so a device that opens but delivers nothing stays one outage, logged once.
    private func reopen() {
        do {
            let d = try V4L2Device(config: config)
            device = d
            granted.withLock { $0 = d.format }
            lastFrameNanos = Monotonic.nanos()
            if outage == nil {
                log.info("capture streaming: granted \(d.format)")
            } else {
                log.debug("capture reopened \(config.path), waiting for frames: \(d.format)")
            }
        } catch {
            fail(error)
        }
    }

    private func resumed(_ d: V4L2Device) {
        if let o = outage {
            let secs = Double(Monotonic.nanos() - o.since) / 1e9
            log.notice("capture resumed on \(config.path) after \(String(format1: secs)) s and \(o.attempts) attempts: \(d.format)")
            status.count { $0.reconnects += 1 }
            outage = nil
        }
        backoffNanos = config.initialBackoff.nanos
        status.set(.streaming)
    }

    /// Closes everything and schedules the next attempt; logs once per outage.
    private func fail(_ error: CaptureError) {
        teardown()
        let now = Monotonic.nanos()
        if var o = outage {
            o.attempts += 1
            o.reason = error
            outage = o
            log.debug("capture retry \(o.attempts) failed: \(error)")
        } else {
            outage = (error, now, 1)
            status.count { $0.outages += 1 }
            log.error("capture outage: \(error); closing and retrying every \(String(format1: Double(backoffNanos) / 1e9))...\(String(format1: Double(config.maxBackoff.nanos) / 1e9)) s")
        }
        status.set(error.isNoDevice ? .noDevice(error.description) : .error(error.description))
        nextAttemptNanos = now + backoffNanos
        backoffNanos = min(backoffNanos * 2, config.maxBackoff.nanos)
    }

    private func teardown() {
        device?.close()
        device = nil
    }
}

extension String {
    /// One decimal place, without Foundation.
    init(format1 value: Double) {
        let tenths = Int((value * 10).rounded())
        self = "\(tenths / 10).\(abs(tenths % 10))"
    }
}
