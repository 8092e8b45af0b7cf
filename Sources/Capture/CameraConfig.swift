/// A pixel format capture can turn into a gray image.
public enum CapturePixelFormat: String, Sendable, CaseIterable, CustomStringConvertible {
    case yuyv = "YUYV"
    case grey = "GREY"
    case mjpeg = "MJPG"

    /// The V4L2 fourcc, little-endian as `v4l2_fourcc(a, b, c, d)` builds it.
    public var fourcc: UInt32 { fourccCode(rawValue) }

    /// The format with this fourcc, if capture supports it (`JPEG` is treated as MJPEG, as UVC drivers do).
    public init?(fourcc: UInt32) {
        switch fourccString(fourcc) {
        case "YUYV": self = .yuyv
        case "GREY": self = .grey
        case "MJPG", "JPEG": self = .mjpeg
        default: return nil
        }
    }

    public var description: String { rawValue }
}

/// What the user asked of a camera. The device may grant something else: see `NegotiatedFormat`.
public struct CameraConfig: Sendable, Equatable {
    /// Device node, e.g. `/dev/video0` or a stable `/dev/v4l/by-id/usb-...-video-index0` symlink.
    public var path: String
    /// Formats to try, best first; the first one the device offers natively wins.
    public var formats: [CapturePixelFormat]
    public var width: Int
    public var height: Int
    /// Requested frames per second (VIDIOC_S_PARM); 0 keeps the driver's default.
    public var fps: Int
    /// mmap buffers to request: small, so a slow consumer sees fresh frames rather than old ones.
    public var bufferCount: Int
    /// Longest wait for a frame while streaming before the stream counts as stalled and is restarted.
    public var stallTimeout: Duration
    /// MJPEG frames are DCT-scaled by 1/this (1, 2, 4 or 8) while decoding: a cheap downscale.
    public var mjpegScaleDenominator: Int
    /// First retry delay after an outage; doubles per failed attempt up to `maxBackoff`.
    public var initialBackoff: Duration
    public var maxBackoff: Duration

    public init(path: String = "/dev/video0", formats: [CapturePixelFormat] = [.yuyv, .grey, .mjpeg],
                width: Int = 640, height: Int = 480, fps: Int = 30, bufferCount: Int = 4,
                stallTimeout: Duration = .seconds(2), mjpegScaleDenominator: Int = 1,
                initialBackoff: Duration = .milliseconds(250), maxBackoff: Duration = .seconds(5)) {
        self.path = path
        self.formats = formats
        self.width = width
        self.height = height
        self.fps = fps
        self.bufferCount = bufferCount
        self.stallTimeout = stallTimeout
        self.mjpegScaleDenominator = mjpegScaleDenominator
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
    }

    /// Rejects values no device could honour, naming the field.
    public func validate() throws(CaptureError) {
        func bad(_ field: String, _ expected: String) -> CaptureError { .invalidConfig(field: field, expected: expected) }
        if path.isEmpty { throw bad("path", "a device path") }
        if formats.isEmpty { throw bad("formats", "at least one of YUYV, GREY, MJPG") }
        if !(16...8192).contains(width) { throw bad("width", "16...8192, got \(width)") }
        if !(16...8192).contains(height) { throw bad("height", "16...8192, got \(height)") }
        if !(0...1000).contains(fps) { throw bad("fps", "0...1000, got \(fps)") }
        if !(2...32).contains(bufferCount) { throw bad("bufferCount", "2...32, got \(bufferCount)") }
        if ![1, 2, 4, 8].contains(mjpegScaleDenominator) { throw bad("mjpegScaleDenominator", "1, 2, 4 or 8, got \(mjpegScaleDenominator)") }
        if stallTimeout <= .zero { throw bad("stallTimeout", "a positive duration") }
        if initialBackoff <= .zero || maxBackoff < initialBackoff { throw bad("initialBackoff/maxBackoff", "0 < initial <= max") }
    }
}

/// What the device actually granted (VIDIOC_S_FMT / S_PARM answers), kept apart from `CameraConfig`.
public struct NegotiatedFormat: Sendable, Equatable, CustomStringConvertible {
    public var pixelFormat: CapturePixelFormat
    public var width: Int
    public var height: Int
    /// Row stride of raw formats (V4L2 bytesperline); 0 for MJPEG.
    public var bytesPerLine: Int
    /// Largest buffer payload the driver promised (sizeimage).
    public var sizeImage: Int
    /// Granted frame rate; nil when the driver does not support S_PARM.
    public var fps: Double?
    public var bufferCount: Int
    /// Driver and card names from VIDIOC_QUERYCAP.
    public var driver: String
    public var card: String

    public var description: String {
        let rate = fps.map { String(Int(($0 * 100).rounded()) / 100) + " fps" } ?? "default fps"
        return "\(pixelFormat) \(width)x\(height) bytesperline=\(bytesPerLine) sizeimage=\(sizeImage) \(rate) buffers=\(bufferCount) driver=\(driver) card=\(card)"
    }
}

func fourccCode(_ s: String) -> UInt32 {
    var v: UInt32 = 0
    for (i, b) in s.utf8.prefix(4).enumerated() { v |= UInt32(b) << (8 * UInt32(i)) }
    return v
}

func fourccString(_ v: UInt32) -> String {
    let bytes = (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) }
    return String(decoding: bytes.map { (32...126).contains($0) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
}
