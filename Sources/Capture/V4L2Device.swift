import CV4L2
import Glibc
import Imaging

/// One opened, streaming V4L2 capture device: descriptor, mmap'ed buffer ring and the granted
/// format. Built by `init` (open → QUERYCAP → S_FMT → S_PARM → REQBUFS → QUERYBUF+mmap → QBUF →
/// STREAMON); `close()` undoes all of it. A failure at any step undoes the steps before it.
final class V4L2Device {
    let path: String
    let format: NegotiatedFormat
    private let fd: Int32
    private let buffers: [UnsafeMutableRawBufferPointer]
    private let mjpegScale: Int
    private var isOpen = true
    /// The last dequeued `sequence`. Gaps are counted from the first buffer on: V4L2 says
    /// numbering starts at 0 at STREAMON, but v4l2loopback keeps counting across streams.
    private var lastSequence: Int64?

    /// The result of one `grab`.
    enum Grab {
        case frame(deviceSequence: UInt64, timestampNanos: UInt64)
        /// Nothing ready within the wait.
        case timeout
        /// Buffers came but none was usable (error flag, too short, did not decode); all counted.
        case nothingUsable
    }

    init(config: CameraConfig) throws(CaptureError) {
        // O_NONBLOCK: DQBUF answers EAGAIN instead of blocking, so poll() owns all waiting.
        let fd: Int32
        switch Sys.open(config.path, O_RDWR | O_NONBLOCK | O_CLOEXEC) {
        case .success(let d): fd = d
        case .failure(let e) where e.code == ENOTTY:
            // v4l2_open itself runs VIDIOC_QUERYCAP, so a non-video node fails here.
            throw .notACaptureDevice(path: config.path, reason: "not a V4L2 device (VIDIOC_QUERYCAP: \(e))")
        case .failure(let e): throw .cannotOpen(path: config.path, e)
        }
        let path = config.path
        var maps: [UnsafeMutableRawBufferPointer] = []
        var ok = false
        defer {
            if !ok {
                for m in maps { Sys.munmap(m.baseAddress!, length: m.count) }
                Sys.close(fd)
            }
        }
        let (driver, card) = try Self.queryCapture(fd, path)
        let pixel = try Self.chooseFormat(fd, path, config.formats)
        var fmt = try Self.setFormat(fd, path, pixel, config)
        let fps = Self.setFrameRate(fd, config.fps)

        var rb = v4l2_requestbuffers()
        rb.count = UInt32(config.bufferCount)
        rb.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        rb.memory = V4L2_MEMORY_MMAP.rawValue
        if case .failure(let e) = Sys.ioctl(fd, cv4l2_VIDIOC_REQBUFS(), &rb) { throw .ioctl(path: path, request: "VIDIOC_REQBUFS", e) }
        guard rb.count >= 2 else { throw .notACaptureDevice(path: path, reason: "driver granted \(rb.count) buffers, need 2") }
        for i in 0..<rb.count {
            var b = Self.emptyBuffer()
            b.index = i
            if case .failure(let e) = Sys.ioctl(fd, cv4l2_VIDIOC_QUERYBUF(), &b) { throw .ioctl(path: path, request: "VIDIOC_QUERYBUF", e) }
            switch Sys.mmap(fd, length: Int(b.length), offset: Int64(b.m.offset)) {
            case .success(let p): maps.append(UnsafeMutableRawBufferPointer(start: p, count: Int(b.length)))
            case .failure(let e): throw .mmap(path: path, e)
            }
            if case .failure(let e) = Sys.ioctl(fd, cv4l2_VIDIOC_QBUF(), &b) { throw .ioctl(path: path, request: "VIDIOC_QBUF", e) }
        }
        var type = Int32(V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue)
        if case .failure(let e) = Sys.ioctl(fd, cv4l2_VIDIOC_STREAMON(), &type) { throw .ioctl(path: path, request: "VIDIOC_STREAMON", e) }

        self.path = path
        self.fd = fd
        mjpegScale = config.mjpegScaleDenominator
        fmt.fps = fps
        fmt.bufferCount = Int(rb.count)
        fmt.driver = driver
        fmt.card = card
        format = fmt
        buffers = maps
        ok = true
    }

    deinit { close() }

    /// STREAMOFF, munmap, close. Errors are ignored: the device may already be gone.
    func close() {
        guard isOpen else { return }
        isOpen = false
        var type = Int32(V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue)
        _ = Sys.ioctl(fd, cv4l2_VIDIOC_STREAMOFF(), &type)
        for m in buffers { Sys.munmap(m.baseAddress!, length: m.count) }
        Sys.close(fd)
    }

    /// Waits up to `waitNanos` for buffers, drains the queue and converts only the freshest valid
    /// one into `image`; older good buffers are requeued as stale drops (as ustreamer's
    /// `us_capture_hwbuf_grab` does), flagged or short ones as error frames.
    func grab(into image: inout GrayImage, waitNanos: UInt64, status: SourceStatus) throws(CaptureError) -> Grab {
        let ms = Int32(min(waitNanos / 1_000_000, UInt64(Int32.max)))
        let revents: Int16
        switch Sys.poll(fd, events: Int16(POLLIN), timeoutMs: ms) {
        case .success(let r): revents = r
        case .failure(let e): throw .streamingError(path: path, detail: "poll: \(e)")
        }
        if revents == 0 { return .timeout }

        var kept: v4l2_buffer?
        var errors: UInt64 = 0, stale: UInt64 = 0, gaps: UInt64 = 0
        defer {
            if errors + stale + gaps > 0 {
                status.count { $0.errorFrames += errors; $0.staleDrops += stale; $0.driverDrops += gaps }
            }
        }
        // Dequeue only while poll says a buffer is done: DQBUF on an empty queue would answer
        // EAGAIN, which libv4l2 prints to stderr every time. On POLLERR/POLLHUP one DQBUF tells
        // why: ENODEV (unregistered node) or EIO (vb2 queue error).
        var ready = revents & Int16(POLLIN | POLLERR | POLLHUP) != 0
        while ready {
            var b = Self.emptyBuffer()
            switch Sys.ioctl(fd, cv4l2_VIDIOC_DQBUF(), &b, retryAgain: false) {
            case .success:
                // Sequence gaps are frames the driver made but could not hand over (all buffers
                // were with us, or it dropped them).
                let seq = Int64(b.sequence)
                if let last = lastSequence, seq > last + 1 { gaps += UInt64(seq - last - 1) }
                lastSequence = max(lastSequence ?? seq, seq)
                if b.flags & UInt32(V4L2_BUF_FLAG_ERROR) != 0 || !payloadLooksWhole(b) {
                    errors += 1
                    try requeue(&b)
                } else {
                    if var older = kept {
                        stale += 1
                        try requeue(&older)
                    }
                    kept = b
                }
            case .failure(let e) where e == .wouldBlock:
                ready = false
                continue
            case .failure(let e) where e == .noDevice:
                throw .disconnected(path: path)
            case .failure(let e) where e == .io:
                throw .streamingError(path: path, detail: "VIDIOC_DQBUF: \(e)")
            case .failure(let e):
                throw .ioctl(path: path, request: "VIDIOC_DQBUF", e)
            }
            if case .success(let r) = Sys.poll(fd, events: Int16(POLLIN), timeoutMs: 0) { ready = r & Int16(POLLIN) != 0 } else { ready = false }
        }
        guard var b = kept else {
            // POLLERR with an empty queue is how vb2 reports a dead stream (vb2_core_poll).
            if revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0 && errors == 0 {
                throw .streamingError(path: path, detail: "poll reported 0x\(String(revents, radix: 16)) with no buffer")
            }
            return .nothingUsable
        }
        // Read what we need before QBUF: the driver rewrites the struct (sequence, timestamp).
        let sequence = UInt64(b.sequence), timestamp = Self.timestamp(of: b)
        let converted = convert(b, into: &image)
        try requeue(&b)
        guard converted else {
            status.count { $0.decodeFailures += 1 }
            return .nothingUsable
        }
        return .frame(deviceSequence: sequence, timestampNanos: timestamp)
    }

    // MARK: - streaming helpers

    private func requeue(_ b: inout v4l2_buffer) throws(CaptureError) {
        switch Sys.ioctl(fd, cv4l2_VIDIOC_QBUF(), &b) {
        case .success: return
        case .failure(let e) where e == .noDevice: throw .disconnected(path: path)
        case .failure(let e) where e == .io: throw .streamingError(path: path, detail: "VIDIOC_QBUF: \(e)")
        case .failure(let e): throw .ioctl(path: path, request: "VIDIOC_QBUF", e)
        }
    }

    /// The bytes the driver filled, clamped to the mapping so a lying `bytesused` cannot overrun it.
    private func payload(_ b: v4l2_buffer) -> UnsafeRawBufferPointer {
        let m = buffers[Int(b.index)]
        return UnsafeRawBufferPointer(start: m.baseAddress, count: min(Int(b.bytesused), m.count))
    }

    /// Raw formats must fill every row; MJPEG is judged by the decoder.
    private func payloadLooksWhole(_ b: v4l2_buffer) -> Bool {
        guard Int(b.index) < buffers.count else { return false }
        let n = payload(b).count
        switch format.pixelFormat {
        case .yuyv: return n >= format.bytesPerLine * (format.height - 1) + format.width * 2
        case .grey: return n >= format.bytesPerLine * (format.height - 1) + format.width
        case .mjpeg: return n > 4
        }
    }

    private func convert(_ b: v4l2_buffer, into image: inout GrayImage) -> Bool {
        let data = payload(b)
        switch format.pixelFormat {
        case .yuyv:
            PixelFormats.yuyvToGray(data, width: format.width, height: format.height, stride: format.bytesPerLine, into: &image)
        case .grey:
            PixelFormats.greyToGray(data, width: format.width, height: format.height, stride: format.bytesPerLine, into: &image)
        case .mjpeg:
            do { try JPEG.decodeGray(data, into: &image, scaleDenominator: mjpegScale, conversion: .luma) } catch { return false }
        }
        return true
    }

    private static func timestamp(of b: v4l2_buffer) -> UInt64 {
        let kind = b.flags & UInt32(V4L2_BUF_FLAG_TIMESTAMP_MASK)
        guard kind == UInt32(V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC), b.timestamp.tv_sec >= 0 else { return Monotonic.nanos() }
        return UInt64(b.timestamp.tv_sec) * 1_000_000_000 + UInt64(max(0, b.timestamp.tv_usec)) * 1_000
    }

    private static func emptyBuffer() -> v4l2_buffer {
        var b = v4l2_buffer()
        b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        b.memory = V4L2_MEMORY_MMAP.rawValue
        return b
    }

    // MARK: - setup steps

    private static func queryCapture(_ fd: Int32, _ path: String) throws(CaptureError) -> (String, String) {
        var cap = v4l2_capability()
        switch Sys.ioctl(fd, cv4l2_VIDIOC_QUERYCAP(), &cap) {
        case .success: break
        case .failure(let e) where e.code == ENOTTY: throw .notACaptureDevice(path: path, reason: "not a V4L2 device (VIDIOC_QUERYCAP: \(e))")
        case .failure(let e): throw .ioctl(path: path, request: "VIDIOC_QUERYCAP", e)
        }
        let caps = cap.capabilities & UInt32(V4L2_CAP_DEVICE_CAPS) != 0 ? cap.device_caps : cap.capabilities
        guard caps & UInt32(V4L2_CAP_VIDEO_CAPTURE) != 0 else {
            throw .notACaptureDevice(path: path, reason: "no VIDEO_CAPTURE capability (caps 0x\(String(caps, radix: 16)))")
        }
        guard caps & UInt32(V4L2_CAP_STREAMING) != 0 else {
            throw .notACaptureDevice(path: path, reason: "no STREAMING capability (caps 0x\(String(caps, radix: 16)))")
        }
        return (cString(cap.driver), cString(cap.card))
    }

    /// The first requested format the device offers natively; else the first libv4l2 emulates.
    private static func chooseFormat(_ fd: Int32, _ path: String, _ wanted: [CapturePixelFormat]) throws(CaptureError) -> CapturePixelFormat {
        var native: Set<UInt32> = [], emulated: Set<UInt32> = [], offered: [String] = []
        var desc = v4l2_fmtdesc()
        desc.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        while desc.index < 256, case .success = Sys.ioctl(fd, cv4l2_VIDIOC_ENUM_FMT(), &desc) {
            offered.append(fourccString(desc.pixelformat))
            if desc.flags & UInt32(V4L2_FMT_FLAG_EMULATED) != 0 { emulated.insert(desc.pixelformat) } else { native.insert(desc.pixelformat) }
            desc.index += 1
        }
        let codes = { (f: CapturePixelFormat) in f == .mjpeg ? [f.fourcc, fourccCode("JPEG")] : [f.fourcc] }
        if let f = wanted.first(where: { codes($0).contains(where: native.contains) }) { return f }
        if let f = wanted.first(where: { codes($0).contains(where: emulated.contains) }) { return f }
        throw .noSupportedFormat(path: path, requested: wanted, offered: offered)
    }

    private static func setFormat(_ fd: Int32, _ path: String, _ pixel: CapturePixelFormat, _ config: CameraConfig) throws(CaptureError) -> NegotiatedFormat {
        var fmt = v4l2_format()
        fmt.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        fmt.fmt.pix.width = UInt32(config.width)
        fmt.fmt.pix.height = UInt32(config.height)
        fmt.fmt.pix.pixelformat = pixel.fourcc
        fmt.fmt.pix.field = V4L2_FIELD_ANY.rawValue
        if case .failure(let e) = Sys.ioctl(fd, cv4l2_VIDIOC_S_FMT(), &fmt) { throw .ioctl(path: path, request: "VIDIOC_S_FMT", e) }
        let p = fmt.fmt.pix
        guard let granted = CapturePixelFormat(fourcc: p.pixelformat), granted == pixel else {
            throw .notACaptureDevice(path: path, reason: "asked \(pixel), driver granted \(fourccString(p.pixelformat))")
        }
        let w = Int(p.width), h = Int(p.height)
        guard (1...16384).contains(w), (1...16384).contains(h) else {
            throw .notACaptureDevice(path: path, reason: "driver granted an absurd size \(w)x\(h)")
        }
        let minLine = pixel == .yuyv ? w * 2 : (pixel == .grey ? w : 0)
        let line = max(Int(p.bytesperline), minLine)
        return NegotiatedFormat(pixelFormat: granted, width: w, height: h, bytesPerLine: line, sizeImage: Int(p.sizeimage),
                                fps: nil, bufferCount: 0, driver: "", card: "")
    }

    /// S_PARM when the driver supports frame intervals; returns what it granted.
    private static func setFrameRate(_ fd: Int32, _ fps: Int) -> Double? {
        var parm = v4l2_streamparm()
        parm.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        guard case .success = Sys.ioctl(fd, cv4l2_VIDIOC_G_PARM(), &parm),
              parm.parm.capture.capability & UInt32(V4L2_CAP_TIMEPERFRAME) != 0 else { return nil }
        if fps > 0 {
            // A driver that refuses the rate keeps its own; the granted rate is logged either way.
            var wanted = parm
            wanted.parm.capture.timeperframe = v4l2_fract(numerator: 1, denominator: UInt32(fps))
            if case .success = Sys.ioctl(fd, cv4l2_VIDIOC_S_PARM(), &wanted) { parm = wanted }
        }
        let t = parm.parm.capture.timeperframe
        return t.numerator > 0 && t.denominator > 0 ? Double(t.denominator) / Double(t.numerator) : nil
    }
}

/// A fixed-size C char array (as V4L2 structs hold) as a Swift string.
func cString<T>(_ tuple: T) -> String {
    withUnsafeBytes(of: tuple) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
}
