/// Why a source could not deliver frames. Every case names the device or file involved.
public enum CaptureError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The node does not exist or cannot be opened (ENOENT, ENODEV, EACCES...).
    case cannotOpen(path: String, Errno)
    /// The node exists but is not a streaming video capture device.
    case notACaptureDevice(path: String, reason: String)
    /// None of the requested formats is offered; `offered` lists the device's fourccs.
    case noSupportedFormat(path: String, requested: [CapturePixelFormat], offered: [String])
    /// An ioctl failed during setup or streaming.
    case ioctl(path: String, request: String, Errno)
    case mmap(path: String, Errno)
    /// The device went away while streaming (ENODEV: unplugged or unbound).
    case disconnected(path: String)
    /// The driver reported a fatal streaming error (EIO, or POLLERR with no buffer).
    case streamingError(path: String, detail: String)
    /// No frame arrived within the stall timeout.
    case stalled(path: String, seconds: Double)
    /// `V4L2Controls.set` was given a name the device does not have.
    case noSuchControl(path: String, name: String, available: [String])
    /// A configuration value out of range.
    case invalidConfig(field: String, expected: String)
    /// A development source's file could not be read.
    case unreadable(path: String, Errno)
    /// A development source has nothing playable.
    case noFrames(path: String, reason: String)

    /// True when the device node is absent (as opposed to present but failing).
    public var isNoDevice: Bool {
        switch self {
        case .cannotOpen(_, let e): e == .noEntry || e == .noDevice || e == .noSuchDeviceOrAddress
        case .disconnected: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .cannotOpen(let p, let e): "cannot open \(p): \(e)"
        case .notACaptureDevice(let p, let r): "\(p) is not a usable capture device: \(r)"
        case .noSupportedFormat(let p, let req, let off):
            "\(p) offers none of \(req.map(\.rawValue).joined(separator: ", ")) (offers \(off.joined(separator: ", ")))"
        case .ioctl(let p, let r, let e): "\(p): \(r) failed: \(e)"
        case .mmap(let p, let e): "\(p): mmap failed: \(e)"
        case .disconnected(let p): "\(p) disconnected (ENODEV)"
        case .streamingError(let p, let d): "\(p): fatal streaming error: \(d)"
        case .stalled(let p, let s): "\(p): no frame for \(s) s"
        case .noSuchControl(let p, let n, let a): "\(p) has no control \(n) (has \(a.joined(separator: ", ")))"
        case .invalidConfig(let f, let e): "camera config: \(f): expected \(e)"
        case .unreadable(let p, let e): "cannot read \(p): \(e)"
        case .noFrames(let p, let r): "\(p): no playable frames: \(r)"
        }
    }
}
