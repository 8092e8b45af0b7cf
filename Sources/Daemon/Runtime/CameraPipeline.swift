import Capture
import Detect
import Glibc
import Imaging
import Logging
import Recognize
import Track

/// Time spent per stage, in milliseconds, summed over frames (divide by `frames` for means).
public struct PipelineTimings: Sendable, Equatable {
    public var frames = 0
    /// Waiting for and decoding the frame (`FrameSource.nextFrame`).
    public var captureMs = 0.0
    /// Downscaling and the Haar scan.
    public var detectMs = 0.0
    /// Crop, resize, quantize and the batched int8 classification of all faces of a frame.
    public var recognizeMs = 0.0
    /// Frames that got a whole-frame scan (the others scanned only around recent faces).
    public var fullScans = 0
    public var faces = 0

    public init() {}
}

/// The daemon's real data path: frame source (V4L2 camera or a file source) → optional
/// downscale → Haar detection (whole frame every `detector.full_scan_every` frames, otherwise only
/// around recently seen faces; with `detector.background_full_scan` the whole-frame scans run
/// beside the frames instead of in them) → crop/resize/quantize → one batched int8
/// classification per frame.
/// Buffers are kept between frames: in steady state a frame allocates only the detector's result
/// array.
public final class CameraPipeline: FacePipeline {
    public private(set) var labels: [String]
    public private(set) var modelID: String
    /// Summed stage times since start.
    public private(set) var timings = PipelineTimings()
    public private(set) var source: any FrameSource

    private var detector: FaceDetector
    private var background: BackgroundFullScan?
    private var model: PipelineSetup.LoadedModel
    private var config: FerdConfig
    private let logger: Logger

    // Per-frame working storage, reused.
    private var small = GrayImage(width: 0, height: 0)
    private var faces: [Rect] = []
    private var crops: [Rect] = []   // faces grown by `model.margin` when the model has no margin of its own
    private var recent: [(box: Rect, age: Int, grow: Float)] = []   // detection-image boxes seen lately
    private var regionGrow: [Float] = []
    private var frameCount = 0
    private var regions: [Rect] = []
    private var probabilities: [Float] = []
    private var pool: [FaceObservation] = []
    private var observations: [FaceObservation] = []
    private var framesSinceFullScan = 0

    /// Builds every part from `config`; a bad cascade, model or source is a `ConfigError`.
    public convenience init(config: FerdConfig, logger: Logger = Logger(label: "ferd.pipeline")) throws(ConfigError) {
        let model = try PipelineSetup.model(config)
        let detector = try PipelineSetup.detector(config)
        let source = try PipelineSetup.source(config, logger: logger)
        self.init(config: config, source: source, detector: detector, model: model, logger: logger)
        // Parsing the cascade XML leaves megabytes of freed small blocks in the heap: hand them
        // back to the kernel once, so a long-running ferd's resident memory is what it uses.
        Self.trimHeap()
    }

    /// Runs on a given source (tests, benchmarks) with the parts built from `config`.
    public init(config: FerdConfig, source: any FrameSource, detector: FaceDetector, model: PipelineSetup.LoadedModel,
                logger: Logger = Logger(label: "ferd.pipeline")) {
        self.config = config
        self.source = source
        self.detector = detector
        self.background = config.detector.backgroundFullScan && config.detector.fullScanEvery > 1 ? BackgroundFullScan(like: detector) : nil
        self.model = model
        self.labels = model.labels
        self.modelID = model.modelID
        self.logger = logger
        reserve(faces: 8)
        logger.info("pipeline: model \(model.modelID) (\(model.recognizer.inputWidth)x\(model.recognizer.inputHeight), \(labels.count) classes), cascade \(config.detector.cascade), downscale \(config.detector.downscale), full scan every \(config.detector.fullScanEvery)")
    }

    public var cameraState: CameraState {
        switch source.state {
        case .streaming: .streaming
        case .error: .error
        case .starting, .noDevice, .stopped: .noDevice
        }
    }

    public var droppedFrames: Int {
        let s = source.stats
        return Int(s.staleDrops + s.driverDrops + s.errorFrames + s.decodeFailures)
    }

    public func nextFrame(timeout: Double) throws -> PipelineFrame? {
        let t0 = Monotonic.nanos()
        guard let frame = try source.nextFrame(timeout: .nanoseconds(Int64(max(0, timeout) * 1e9))) else { return nil }
        let t1 = Monotonic.nanos()
        detect(frame.image)
        let t2 = Monotonic.nanos()
        try recognize(frame.image)
        let t3 = Monotonic.nanos()

        let captureMs = Double(t1 - t0) / 1e6, detectMs = Double(t2 - t1) / 1e6, inferMs = Double(t3 - t2) / 1e6
        timings.frames += 1
        timings.captureMs += captureMs
        timings.detectMs += detectMs
        timings.recognizeMs += inferMs
        timings.faces += faces.count
        let captured = frame.timestampNanos > 0 && frame.timestampNanos <= t3 ? frame.timestampNanos : t1
        return PipelineFrame(time: Self.unixTime(monotonic: captured, now: t3), observations: observations,
                             detectMs: detectMs, inferMs: inferMs, captureMs: captureMs, captureNanos: captured)
    }

    /// Fills `faces` (frame pixels) from a whole-frame or region scan of the (downscaled) image.
    private func detect(_ image: GrayImage) {
        frameCount += 1
        let k = config.detector.downscale
        let scanned: GrayImage
        if k > 1 {
            Downscale.box(image, factor: k, into: &small)
            scanned = small
        } else {
            scanned = image
        }
        let due = framesSinceFullScan + 1 >= config.detector.fullScanEvery
        let found: [Rect]
        if let background {
            // Faces found by the last finished whole-frame scan (of an earlier frame) join the
            // regions; this frame is scanned only around them, whatever the cadence.
            // A face it found may have moved since: search half a face further per frame since.
            if let (boxes, scannedFrame) = background.takeResult() {
                timings.fullScans += 1
                let grow = min(2, 0.5 + 0.5 * Float(frameCount - scannedFrame))
                for b in boxes where !recent.contains(where: { $0.box.iou(b) > 0.3 }) { recent.append((b, 0, grow)) }
            }
            if (due || recent.isEmpty) && background.start(scanned, frame: frameCount) {
                framesSinceFullScan = 0
            } else {
                framesSinceFullScan += 1
            }
            regions.removeAll(keepingCapacity: true)
            regionGrow.removeAll(keepingCapacity: true)
            for r in recent {
                regions.append(r.box)
                regionGrow.append(r.grow)
            }
            found = regions.isEmpty ? [] : detector.detect(scanned, around: regions, grow: regionGrow)
        } else if recent.isEmpty || due {
            found = detector.detect(scanned)
            framesSinceFullScan = 0
            timings.fullScans += 1
        } else {
            regions.removeAll(keepingCapacity: true)
            for r in recent { regions.append(r.box) }
            found = detector.detect(scanned, around: regions)
            framesSinceFullScan += 1
        }
        remember(found)
        faces.removeAll(keepingCapacity: true)
        for r in found {
            faces.append(Rect(x: r.x * k, y: r.y * k, width: r.width * k, height: r.height * k))
        }
    }

    /// Keeps the boxes seen in the last `full_scan_every` frames as the regions of the next
    /// partial scans, so a face missed once is still searched for until the next whole-frame scan.
    private func remember(_ found: [Rect]) {
        for i in recent.indices { recent[i].age += 1 }
        for r in found {
            if let i = recent.firstIndex(where: { $0.box.iou(r) > 0.3 }) {
                recent[i] = (r, 0, 0.5)
            } else {
                recent.append((r, 0, 0.5))
            }
        }
        let maxAge = max(1, config.detector.fullScanEvery)
        recent.removeAll { $0.age >= maxAge }
    }

    /// Classifies all faces in one batched call and fills `observations`.
    private func recognize(_ image: GrayImage) throws {
        observations.removeAll(keepingCapacity: true)   // release last frame's references first
        guard !faces.isEmpty else { return }
        reserve(faces: faces.count)
        let classes = model.recognizer.classCount
        let margin = model.extraMargin
        crops.removeAll(keepingCapacity: true)
        for f in faces {
            let dx = Int((Float(f.width) * margin).rounded()), dy = Int((Float(f.height) * margin).rounded())
            crops.append(Rect(x: f.x - dx, y: f.y - dy, width: f.width + 2 * dx, height: f.height + 2 * dy)
                .clamped(toWidth: image.width, height: image.height))
        }
        try probabilities.withUnsafeMutableBufferPointer { p in
            try model.recognizer.classify(image, faces: crops, probabilities: p)
        }
        for i in faces.indices {
            pool[i].box = faces[i]
            for c in 0..<classes { pool[i].probabilities[c] = probabilities[i * classes + c] }
            observations.append(pool[i])
        }
    }

    /// Grows the reusable buffers to hold `faces` faces (only ever grows).
    private func reserve(faces n: Int) {
        let classes = model.recognizer.classCount
        if probabilities.count < n * classes { probabilities = [Float](repeating: 0, count: n * classes) }
        while pool.count < n {
            pool.append(FaceObservation(box: Rect(x: 0, y: 0, width: 0, height: 0), probabilities: [Float](repeating: 0, count: classes)))
        }
        faces.reserveCapacity(n)
        crops.reserveCapacity(n)
        observations.reserveCapacity(n)
    }

    /// Applies a reloaded configuration: the parts whose section changed are rebuilt first, so a
    /// bad new cascade, model or source throws and leaves the running pipeline untouched.
    public func reconfigure(_ new: FerdConfig) throws {
        var newModel: PipelineSetup.LoadedModel?
        if new.model != config.model {
            let m = try PipelineSetup.model(new)
            guard m.labels == labels else {
                throw ConfigError(file: "model.path", line: nil, key: nil,
                                  "the new model's classes \(m.labels) differ from the running \(labels); restart ferd to change them")
            }
            newModel = m
        }
        var newDetector: FaceDetector?
        if new.detector.cascade != config.detector.cascade || new.detector.threads != config.detector.threads
            || new.detector.scaleFactor != config.detector.scaleFactor || new.detector.minNeighbors != config.detector.minNeighbors
            || new.detector.minSize != config.detector.minSize || new.detector.maxSize != config.detector.maxSize {
            newDetector = try PipelineSetup.detector(new)
        }
        var newSource: (any FrameSource)?
        if new.camera != config.camera { newSource = try PipelineSetup.source(new, logger: logger) }

        if let newModel {
            model = newModel
            modelID = newModel.modelID
            probabilities = []
            pool = []
            reserve(faces: 8)
        }
        if let newDetector { detector = newDetector }
        if newDetector != nil || new.detector.backgroundFullScan != config.detector.backgroundFullScan
            || new.detector.fullScanEvery != config.detector.fullScanEvery {
            background = new.detector.backgroundFullScan && new.detector.fullScanEvery > 1 ? BackgroundFullScan(like: detector) : nil
        }
        if let newSource {
            source.stop()
            source = newSource
        }
        config = new
        recent.removeAll()
        framesSinceFullScan = 0
    }

    public func stop() {
        source.stop()
        background?.wait()
    }

    /// glibc's `malloc_trim(0)`, looked up at run time: Swift's Glibc module does not import
    /// <malloc.h>, and other C libraries simply lack it (then this does nothing).
    static func trimHeap() {
        typealias Trim = @convention(c) (Int) -> Int32
        guard let symbol = dlsym(nil, "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
    }

    /// Unix seconds of a CLOCK_MONOTONIC instant, through the current offset of the two clocks.
    static func unixTime(monotonic: UInt64, now: UInt64) -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9 - Double(now &- monotonic) / 1e9
    }
}
