import Imaging
import Logging

/// A development camera: JPEG frames from a folder (sorted by name) or from an MJPEG file
/// (concatenated JPEGs), played at a fixed rate like a camera. A consumer that falls behind
/// skips frames (counted as stale drops), as it would with a live camera; a frame that does not
/// decode is dropped and counted.
public final class JPEGFileSource: FrameSource, @unchecked Sendable {
    // @unchecked: the playback fields are touched only by the one thread calling nextFrame.
    /// Where the frames came from, for logs.
    public let origin: String
    /// Number of frames in one pass.
    public var frameCount: Int { ranges.count }

    private let data: [UInt8]
    private let ranges: [Range<Int>]
    private let names: [String]
    private let periodNanos: UInt64
    private let loop: Bool
    private let scale: Int
    private let status: SourceStatus
    private let log: Logger
    private var image = GrayImage(width: 0, height: 0)
    private var startNanos: UInt64 = 0
    private var slot: UInt64 = 0
    private var delivered: UInt64 = 0

    /// Every `.jpg`/`.jpeg` file in `folder`, in name order. `fps` 0 plays as fast as asked.
    public convenience init(folder: String, fps: Double, loop: Bool = true, scaleDenominator: Int = 1,
                            logger: Logger = Logger(label: "edgefer.capture")) throws(CaptureError) {
        let files: [String]
        switch Sys.listDirectory(folder) {
        case .success(let names):
            files = names.filter { $0.lowercased().hasSuffix(".jpg") || $0.lowercased().hasSuffix(".jpeg") }.sorted()
        case .failure(let e): throw .unreadable(path: folder, e)
        }
        guard !files.isEmpty else { throw .noFrames(path: folder, reason: "no .jpg or .jpeg files") }
        var data: [UInt8] = [], ranges: [Range<Int>] = [], names: [String] = []
        for f in files {
            let path = folder.hasSuffix("/") ? folder + f : folder + "/" + f
            let bytes: [UInt8]
            switch Sys.readFile(path) {
            case .success(let b): bytes = b
            case .failure(let e): throw .unreadable(path: path, e)
            }
            do { _ = try JPEG.size(of: bytes) } catch {
                throw .noFrames(path: path, reason: "not a JPEG: \(error)")
            }
            ranges.append(data.count..<data.count + bytes.count)
            names.append(path)
            data += bytes
        }
        try self.init(origin: folder, data: data, ranges: ranges, names: names, fps: fps, loop: loop,
                      scaleDenominator: scaleDenominator, logger: logger)
    }

    /// The frames of an MJPEG file, split at SOI/EOI by walking JPEG markers.
    public convenience init(mjpegFile path: String, fps: Double, loop: Bool = true, scaleDenominator: Int = 1,
                            logger: Logger = Logger(label: "edgefer.capture")) throws(CaptureError) {
        let data: [UInt8]
        switch Sys.readFile(path) {
        case .success(let b): data = b
        case .failure(let e): throw .unreadable(path: path, e)
        }
        let split = MJPEGSplitter.split(data)
        guard !split.frames.isEmpty else {
            throw .noFrames(path: path, reason: "no complete JPEG (SOI...EOI) in \(data.count) bytes")
        }
        if let tail = split.truncatedTailOffset {
            logger.warning("\(path): incomplete JPEG at byte \(tail) ignored (file cut short?)")
        } else if split.skippedBytes > 0 {
            logger.warning("\(path): \(split.skippedBytes) bytes outside complete JPEG frames ignored")
        }
        let names = split.frames.map { "\(path) frame at byte \($0.lowerBound)" }
        try self.init(origin: path, data: data, ranges: split.frames, names: names, fps: fps, loop: loop,
                      scaleDenominator: scaleDenominator, logger: logger)
    }

    private init(origin: String, data: [UInt8], ranges: [Range<Int>], names: [String], fps: Double, loop: Bool,
                 scaleDenominator: Int, logger: Logger) throws(CaptureError) {
        guard fps.isFinite, fps >= 0, fps <= 10_000 else { throw .invalidConfig(field: "fps", expected: "0...10000, got \(fps)") }
        guard [1, 2, 4, 8].contains(scaleDenominator) else {
            throw .invalidConfig(field: "scaleDenominator", expected: "1, 2, 4 or 8, got \(scaleDenominator)")
        }
        self.origin = origin
        self.data = data
        self.ranges = ranges
        self.names = names
        self.periodNanos = fps > 0 ? UInt64((1e9 / fps).rounded()) : 0
        self.loop = loop
        self.scale = scaleDenominator
        self.log = logger
        self.status = SourceStatus(onChange: nil)
        log.info("file source \(origin): \(ranges.count) frames at \(fps > 0 ? "\(fps) fps" : "full speed")\(loop ? ", looping" : "")")
    }

    public var state: CaptureState { status.state }
    public var stats: CaptureStats { status.stats }

    public func stop() {
        status.requestStop()
        status.set(.stopped)
    }

    public func nextFrame(timeout: Duration) throws(CaptureError) -> Frame? {
        let deadline = Monotonic.nanos() + timeout.nanos
        if startNanos == 0 { startNanos = Monotonic.nanos() }
        while !status.stopped {
            if !loop && slot >= UInt64(ranges.count) {
                status.set(.stopped)
                return nil
            }
            var now = Monotonic.nanos()
            if periodNanos > 0 {
                let due = startNanos + slot * periodNanos
                if due > now {
                    if due > deadline {
                        status.sleep(nanos: deadline > now ? deadline - now : 0)
                        return nil
                    }
                    status.sleep(nanos: due - now)
                    if status.stopped { break }
                    now = Monotonic.nanos()
                } else {
                    // Behind schedule: jump to the newest frame that is due, like a camera's ring.
                    let late = (now - due) / periodNanos
                    if late > 0 {
                        let skip = loop ? late : min(late, UInt64(ranges.count) - slot - 1)
                        slot += skip
                        status.count { $0.staleDrops += skip }
                    }
                }
            }
            let index = Int(slot % UInt64(ranges.count))
            slot += 1
            let ok = data.withUnsafeBytes { all -> Bool in
                let bytes = UnsafeRawBufferPointer(rebasing: all[ranges[index]])
                do { try JPEG.decodeGray(bytes, into: &image, scaleDenominator: scale, conversion: .luma) } catch {
                    log.debug("\(names[index]): dropped, does not decode: \(error)")
                    return false
                }
                return true
            }
            guard ok else {
                status.count { $0.decodeFailures += 1 }
                if Monotonic.nanos() >= deadline { return nil }
                continue
            }
            status.set(.streaming)
            status.count { $0.frames += 1 }
            defer { delivered += 1 }
            return Frame(image: image, sequence: delivered, deviceSequence: UInt64(index), timestampNanos: now)
        }
        return nil
    }
}
