import TestSupport
import Capture
import Daemon
import Detect
import Foundation
import Imaging
import Recognize
import Testing
import Track

/// Files the pipeline tests read. On the host they are found from this file's location (the
/// shared data beside the repo, `EDGEFER_SHARED` overrides); inside the qemu bed, where the repo
/// is absent, `scripts/test_v4l2.sh` copies them into the guest's working directory.
enum PipelineFixtures {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path
    static var cwd: String { FileManager.default.currentDirectoryPath }

    static func first(_ candidates: [String]) -> String? {
        candidates.first { FileManager.default.fileExists(atPath: $0) }
    }

    static var samples: String? { first([cwd + "/samples/faces", repoRoot + "/samples/faces"]) }

    static var cascade: String? {
        first([cwd + "/haarcascade_frontalface_default.xml", "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml"])
    }

    /// The shipped model in firmware-models/ when there is exactly one, else nil.
    static var shippedModel: String? {
        for dir in [cwd + "/firmware-models", repoRoot + "/firmware-models"] {
            let models = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".tflite") }
            if models.count == 1 { return dir + "/" + models[0] }
        }
        return nil
    }

    /// The random-weight reference architecture (`seed64`): real structure, meaningless emotions.
    static var seedModel: String? {
        let shared = ProcessInfo.processInfo.environment["EDGEFER_SHARED"] ?? repoRoot + "/../shared"
        return first([cwd + "/models/seed64.tflite", shared + "/conformance/tflite/seed64.tflite"])
    }

    /// The model to run, and whether its emotions mean anything.
    static var model: (path: String, trained: Bool)? {
        if let m = shippedModel { return (m, true) }
        return seedModel.map { ($0, false) }
    }

    static var available: Bool { samples != nil && cascade != nil && model != nil }

    /// The image at half size by 2x2 box averages (as `detector.downscale = 2`), computed here.
    static func halved(_ image: GrayImage) -> GrayImage {
        let w = image.width / 2, h = image.height / 2
        return GrayImage(width: w, height: h, pixels: (0..<h).flatMap { y in (0..<w).map { x in
            let s = Int(image[2 * x, 2 * y]) + Int(image[2 * x + 1, 2 * y]) + Int(image[2 * x, 2 * y + 1]) + Int(image[2 * x + 1, 2 * y + 1])
            return UInt8((s + 2) / 4)
        } })
    }

    /// A configuration for the sample frames. Detection runs on the frame halved (the faces are
    /// 57-116 px, so 28+ px after halving, above the cascade's 24 px window), which keeps a
    /// debug build fast; a low IoU threshold follows the sample face, which jumps ~58 px a frame.
    static func config(source: String) throws -> FerdConfig {
        var c = FerdConfig()
        c.camera.source = source
        c.camera.fps = 240
        c.detector.cascade = try #require(cascade)
        c.detector.downscale = 2
        c.detector.minSize = 20
        c.detector.fullScanEvery = 1
        c.model.path = try #require(model).path
        c.tracker.iouThreshold = 0.1
        c.tracker.minHits = 2
        c.tracker.minFaceSize = 40
        c.tracker.labels = FerdConfig.defaultLabels
        return c
    }

    /// Checks one frame's faces: a probability per label, each in [0, 1], summing to about 1
    /// (int8 softmax output: 8 values of scale 1/256 round to within 8/512 of 1). Emotions are
    /// asserted on the tracker's smoothed decisions, not on single frames.
    static func checkProbabilities(_ o: FaceObservation, labels: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(o.probabilities.count == labels.count, sourceLocation: sourceLocation)
        #expect(o.probabilities.allSatisfy { $0 >= 0 && $0 <= 1 }, sourceLocation: sourceLocation)
        let sum = o.probabilities.reduce(0, +)
        #expect(abs(sum - 1) <= 0.02, "probabilities sum to \(sum)", sourceLocation: sourceLocation)
    }
}

/// The camera pipeline on the committed sample frames (folder source): real JPEG decode, Haar
/// cascade, int8 model and tracker, as `ferd` runs them.
@Suite(.enabled(if: PipelineFixtures.available, "needs samples/faces, opencv-data's cascade and a model"))
struct PipelineFolderTests {
    @Test func samplesGiveOneTrackPerFaceAndDecisions() throws {
        let config = try PipelineFixtures.config(source: "folder:" + PipelineFixtures.samples!)
        let trained = PipelineFixtures.model!.trained
        let builtin = try Daemon.builtinPipeline(config)
        #expect(builtin is CameraPipeline)
        builtin.stop()
        // Unpaced (fps 0), so a slow debug build sees every frame in order instead of the newest.
        let source = try JPEGFileSource(folder: PipelineFixtures.samples!, fps: 0)
        let pipeline = CameraPipeline(config: config, source: source, detector: try PipelineSetup.detector(config),
                                      model: try PipelineSetup.model(config))
        defer { pipeline.stop() }
        #expect(pipeline.labels == FerdConfig.defaultLabels)
        var tracker = Tracker(config: config.tracker, seed: 7)
        var faceCounts: [Int] = []
        var events: [TrackEvent] = []
        // Two passes over the 7 frames: frames 00-05 hold one face each, frame 06 four.
        for _ in 0..<14 {
            let frame = try #require(try pipeline.nextFrame(timeout: 5))
            #expect(pipeline.cameraState == .streaming)
            #expect(frame.detectMs > 0 && frame.captureNanos > 0)
            #expect(abs(frame.time - Date().timeIntervalSince1970) < 5)
            faceCounts.append(frame.observations.count)
            for o in frame.observations { PipelineFixtures.checkProbabilities(o, labels: pipeline.labels) }
            events += tracker.step(frame.observations, time: frame.time)
        }
        #expect(faceCounts == [1, 1, 1, 1, 1, 1, 4, 1, 1, 1, 1, 1, 1, 4])
        // The drifting face is followed through frames 00-05 of each pass: one `new` per pass,
        // at its second hit; the previous pass's track ends once it has missed max_missed frames.
        let news = events.filter { $0.kind == .new }
        #expect(news.count == 2, "\(events.map { "\($0.kind) \($0.trackID) \($0.box)" })")
        #expect(Set(news.map(\.trackID)).count == news.count)
        for e in events {
            #expect(e.probabilities.count == 8 && abs(e.probabilities.reduce(0, +) - 1) < 0.03)
            if trained { #expect(e.label == "happiness", "\(e.kind) \(e.box): \(e.probabilities)") }
        }
        #expect(pipeline.droppedFrames == 0)
        #expect(pipeline.timings.frames == 14 && pipeline.timings.faces == 20 && pipeline.timings.fullScans == 14)
    }

    /// Region scans between whole-frame scans find the static faces of frame 06 again, and the
    /// pipeline's probabilities equal classifying the decoded JPEG directly (one batch of four).
    @Test func regionScansKeepTheFourFacesAndMatchDirectClassification() throws {
        let dir = try makeTempDir("pipeline-roi")
        defer { try? FileManager.default.removeItem(at: dir) }
        let jpeg = try Data(contentsOf: URL(fileURLWithPath: PipelineFixtures.samples! + "/frame06.jpg"))
        let mjpeg = dir.appendingPathComponent("four.mjpeg")
        try Data(Array(repeating: jpeg, count: 3).joined()).write(to: mjpeg)
        var config = try PipelineFixtures.config(source: "mjpeg:" + mjpeg.path)
        config.detector.fullScanEvery = 4
        config.detector.backgroundFullScan = false   // whole-frame scans in frames 0 and 4, not beside them
        let pipeline = try CameraPipeline(config: config)
        defer { pipeline.stop() }

        let image = try JPEG.decodeGray([UInt8](jpeg))
        let half = PipelineFixtures.halved(image)
        let detector = try PipelineSetup.detector(config)
        let boxes = detector.detect(half).map { Rect(x: $0.x * 2, y: $0.y * 2, width: $0.width * 2, height: $0.height * 2) }
        #expect(boxes.count == 4)
        let model = try PipelineSetup.model(config)
        // seed64 has no preprocessing metadata, so ferd adds model.margin (0.1) around each face.
        #expect(model.extraMargin == 0.1 || PipelineFixtures.model!.trained)
        let crops = boxes.map { b -> Rect in
            let dx = Int((Float(b.width) * model.extraMargin).rounded()), dy = Int((Float(b.height) * model.extraMargin).rounded())
            return Rect(x: b.x - dx, y: b.y - dy, width: b.width + 2 * dx, height: b.height + 2 * dy).clamped(toWidth: 640, height: 480)
        }
        let direct = try model.recognizer.classify(image, faces: crops)

        for n in 0..<6 {
            let frame = try #require(try pipeline.nextFrame(timeout: 5))
            #expect(frame.observations.map(\.box) == boxes, "frame \(n)")
            #expect(frame.observations.map(\.probabilities) == direct.map(\.probabilities), "frame \(n)")
        }
        #expect(pipeline.timings.fullScans == 2)   // frames 0 and 4; 1-3 and 5 scanned around the faces
        let t = pipeline.timings
        print("pipeline: 6 frames: capture \(t.captureMs / 6) ms, detect \(t.detectMs / 6) ms, recognize \(t.recognizeMs / 6) ms per frame")
    }

    /// With background whole-frame scans no frame runs one: the first frames see no face until the
    /// scan beside them finishes, then every frame finds the four faces around the scan's boxes.
    @Test func backgroundFullScansFeedTheRegionScans() throws {
        let dir = try makeTempDir("pipeline-bg")
        defer { try? FileManager.default.removeItem(at: dir) }
        let jpeg = try Data(contentsOf: URL(fileURLWithPath: PipelineFixtures.samples! + "/frame06.jpg"))
        let mjpeg = dir.appendingPathComponent("four.mjpeg")
        try Data(Array(repeating: jpeg, count: 4).joined()).write(to: mjpeg)
        var config = try PipelineFixtures.config(source: "mjpeg:" + mjpeg.path)
        config.camera.fps = 30
        config.detector.fullScanEvery = 3
        config.detector.backgroundFullScan = true
        let pipeline = try CameraPipeline(config: config)
        defer { pipeline.stop() }
        let expected = try PipelineSetup.detector(config).detect(PipelineFixtures.halved(try JPEG.decodeGray([UInt8](jpeg))))
            .map { Rect(x: $0.x * 2, y: $0.y * 2, width: $0.width * 2, height: $0.height * 2) }
        #expect(expected.count == 4)

        var counts: [Int] = []
        var firstFound: Int?
        for n in 0..<60 {
            let frame = try #require(try pipeline.nextFrame(timeout: 5))
            counts.append(frame.observations.count)
            if firstFound == nil && !frame.observations.isEmpty { firstFound = n }
            if let f = firstFound, n > f {
                #expect(frame.observations.map(\.box) == expected, "frame \(n)")
            }
            if let f = firstFound, n >= f + 10 { break }
        }
        #expect(counts.first == 0, "frame 0 has no whole-frame scan of its own: \(counts)")
        let found = try #require(firstFound, "no face within 60 frames: \(counts)")
        #expect(found >= 1 && pipeline.timings.fullScans >= 1)
    }

    @Test func badPartsAreConfigErrorsNamingTheKey() throws {
        var config = try PipelineFixtures.config(source: "folder:" + PipelineFixtures.samples!)
        config.detector.cascade = "/nonexistent/cascade.xml"
        #expect(throws: ConfigError.self) { try CameraPipeline(config: config) }
        do { _ = try CameraPipeline(config: config) } catch { #expect("\(error)".hasPrefix("detector.cascade: /nonexistent/cascade.xml")) }

        config = try PipelineFixtures.config(source: "folder:/nonexistent-folder")
        do { _ = try CameraPipeline(config: config); Issue.record("no error") } catch {
            #expect("\(error)".hasPrefix("camera.source") && "\(error)".contains("/nonexistent-folder"), "\(error)")
        }

        config = try PipelineFixtures.config(source: "folder:" + PipelineFixtures.samples!)
        config.model.path = PipelineFixtures.samples! + "/frame00.jpg"
        do { _ = try CameraPipeline(config: config); Issue.record("no error") } catch {
            #expect("\(error)".hasPrefix("model.path") && "\(error)".contains("frame00.jpg"), "\(error)")
        }
    }

    @Test func reconfigureKeepsTheRunningPartsWhenTheNewModelIsBad() throws {
        let config = try PipelineFixtures.config(source: "folder:" + PipelineFixtures.samples!)
        let pipeline = try CameraPipeline(config: config)
        defer { pipeline.stop() }
        _ = try #require(try pipeline.nextFrame(timeout: 5))
        var bad = config
        bad.model.path = "/nonexistent/model.tflite"
        #expect(throws: ConfigError.self) { try pipeline.reconfigure(bad) }
        // Still running on the old model: faces keep coming (1, or 4 when the looping source is at frame06).
        let count = try pipeline.nextFrame(timeout: 5)?.observations.count ?? 0
        #expect(count == 1 || count == 4, "\(count) faces")
    }
}

/// Default model lookup, the `auto` source's fallback and the new configuration keys.
@Suite struct PipelineSetupTests {
    @Test func emptyModelPathFindsTheOneShippedModel() throws {
        let root = try makeTempDir("pipeline-models")
        defer { try? FileManager.default.removeItem(at: root) }
        let dir = root.appendingPathComponent("firmware-models")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var config = FerdConfig()
        #expect(throws: ConfigError.self) { try PipelineSetup.modelPath(config, roots: [root.path]) }
        try Data([1]).write(to: dir.appendingPathComponent("fer-a.tflite"))
        #expect(try PipelineSetup.modelPath(config, roots: ["/nonexistent", root.path]) == dir.path + "/fer-a.tflite")
        try Data([1]).write(to: dir.appendingPathComponent("fer-b.tflite"))
        do { _ = try PipelineSetup.modelPath(config, roots: [root.path]); Issue.record("no error") } catch {
            #expect("\(error)".contains("fer-a.tflite, fer-b.tflite"))
        }
        config.model.path = "/x/m.tflite"
        #expect(try PipelineSetup.modelPath(config, roots: [root.path]) == "/x/m.tflite")
    }

    @Test func newKeysAreValidated() throws {
        let ok = try ConfigLoader.decode(try TOMLParser.parse(Array("[camera]\ndecode_scale = 2\n[detector]\nthreads = 2\n".utf8), file: "t.toml"), file: "t.toml")
        #expect(ok.camera.decodeScale == 2 && ok.detector.threads == 2)
        do {
            _ = try ConfigLoader.decode(try TOMLParser.parse(Array("[camera]\ndecode_scale = 3\n".utf8), file: "t.toml"), file: "t.toml")
            Issue.record("decode_scale 3 accepted")
        } catch {
            #expect("\(error)" == "t.toml:2: camera.decode_scale: must be 1, 2, 4 or 8")
        }
        let sync = try ConfigLoader.decode(try TOMLParser.parse(Array("[detector]\nbackground_full_scan = false\n".utf8), file: "t.toml"), file: "t.toml")
        #expect(!sync.detector.backgroundFullScan && FerdConfig().detector.backgroundFullScan)
        do {
            _ = try ConfigLoader.decode(try TOMLParser.parse(Array("[detector]\n\nbackground_full_scan = \"yes\"\n".utf8), file: "t.toml"), file: "t.toml")
            Issue.record("background_full_scan \"yes\" accepted")
        } catch {
            #expect("\(error)" == "t.toml:3: detector.background_full_scan: expected a boolean (true/false), got a string \"yes\"")
        }
    }

    @Test func cameraConfigFollowsTheCameraSection() {
        var c = FerdConfig()
        c.camera.source = "/dev/v4l/by-id/usb-cam-video-index0"
        c.camera.pixelFormat = "MJPG"
        c.camera.decodeScale = 2
        let cc = PipelineSetup.cameraConfig(c)
        #expect(cc.path == c.camera.source && cc.formats == [.mjpeg] && cc.mjpegScaleDenominator == 2)
        #expect(PipelineSetup.cameraConfig(FerdConfig()).formats == [.yuyv, .grey, .mjpeg])
    }
}
