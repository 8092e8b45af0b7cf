import Capture
import Daemon
import Detect
import Foundation
import Glibc
import Imaging
import Recognize
import Testing
import Track

/// ferd's camera pipeline end to end against a real kernel driver (qemu bed only, run by
/// `scripts/test_v4l2.sh`): v4l2loopback at /dev/video10 is fed the four-face sample JPEG as
/// MJPEG by `lb_producer`; ferd's pipeline captures, decodes, detects and classifies, and the
/// tracker must announce exactly the four faces with the probabilities of the JPEG itself.
@Suite(.serialized, .enabled(if: PipelineBed.available, "needs v4l2loopback at /dev/video10, lb_producer and the fixtures (qemu bed)"))
struct PipelineBedTests {
    @Test func mjpegLoopbackFacesEndInTrackedEmotions() throws {
        let samples = try #require(PipelineFixtures.samples)
        let jpegPath = samples + "/frame06.jpg"
        let producer = try PipelineBed.Child("/bin/lb_producer", [PipelineBed.loopback, "640", "480", "15", "0", jpegPath])
        defer { producer.kill() }

        // MJPEG decoded at half size by libjpeg's DCT scaling; the detector scans that 320x240 frame.
        var config = try PipelineFixtures.config(source: PipelineBed.loopback)
        config.camera.pixelFormat = "MJPG"
        config.camera.fps = 15
        config.camera.decodeScale = 2
        config.camera.retryMaxSeconds = 1
        config.detector.downscale = 1
        config.detector.fullScanEvery = 5
        config.tracker.iouThreshold = 0.3
        config.tracker.minHits = 3
        config.tracker.minFaceSize = 20
        let trained = PipelineFixtures.model!.trained

        // What the pipeline must find: the same JPEG decoded from the file, detected and classified directly.
        let image = try JPEG.decodeGray([UInt8](try Data(contentsOf: URL(fileURLWithPath: jpegPath))), scaleDenominator: 2)
        let boxes = try PipelineSetup.detector(config).detect(image)
        #expect(boxes.count == 4)
        let model = try PipelineSetup.model(config)
        let crops = boxes.map { b -> Rect in
            let dx = Int((Float(b.width) * model.extraMargin).rounded()), dy = Int((Float(b.height) * model.extraMargin).rounded())
            return Rect(x: b.x - dx, y: b.y - dy, width: b.width + 2 * dx, height: b.height + 2 * dy)
                .clamped(toWidth: image.width, height: image.height)
        }
        let direct = try model.recognizer.classify(image, faces: crops).map(\.probabilities)

        let pipeline = try Daemon.builtinPipeline(config)
        defer { pipeline.stop() }
        #expect(pipeline.labels == FerdConfig.defaultLabels)
        var tracker = Tracker(config: config.tracker, seed: 3)
        var events: [TrackEvent] = []
        var frames = 0, matching = 0
        let start = Date()
        while Date().timeIntervalSince(start) < 150 && (events.filter { $0.kind == .new }.count < 4 || frames < 8) {
            guard let frame = try pipeline.nextFrame(timeout: 1) else { continue }
            frames += 1
            // The first loopback buffer may be stale; every decoded frame must be the JPEG fed.
            if frame.observations.map(\.box) == boxes && frame.observations.map(\.probabilities) == direct { matching += 1 }
            events += tracker.step(frame.observations, time: frame.time)
        }
        #expect(pipeline.cameraState == .streaming)
        #expect(matching >= frames - 1 && frames >= 8, "\(matching) of \(frames) frames gave the JPEG's faces and probabilities")
        let news = events.filter { $0.kind == .new }
        #expect(news.count == 4 && Set(news.map(\.trackID)).count == 4, "\(events.map { "\($0.kind) \($0.trackID) \($0.box)" })")
        #expect(Set(news.map(\.box)) == Set(boxes))
        for e in news {
            #expect(e.probabilities.count == 8 && abs(e.probabilities.reduce(0, +) - 1) < 0.03)
            if trained { #expect(e.label == "happiness", "\(e.box): \(e.probabilities)") }
        }
        print("bed: pipeline: \(frames) frames, \(matching) identical to the JPEG's own result; events \(events.map { "\($0.kind) \($0.label) \($0.box)" }); model \(pipeline.modelID)\(trained ? "" : " (random weights: emotions not asserted)")")

        // Producer gone: the stream stalls, the camera leaves `streaming`, and ferd ends the tracks.
        producer.kill()
        let lost = Date()
        while Date().timeIntervalSince(lost) < 20 && pipeline.cameraState == .streaming { _ = try pipeline.nextFrame(timeout: 0.5) }
        #expect(pipeline.cameraState != .streaming)
        let ends = tracker.endAll(time: Date().timeIntervalSince1970)
        #expect(Set(ends.map(\.trackID)) == Set(news.map(\.trackID)))
        print("bed: pipeline: producer stopped → camera \(pipeline.cameraState.rawValue) after \(String(format: "%.1f", Date().timeIntervalSince(lost))) s; \(ends.count) tracks ended")
    }
}

/// The qemu bed's loopback node and the producer shipped into it.
enum PipelineBed {
    static let loopback = "/dev/video10"

    static var available: Bool {
        let name = try? String(contentsOfFile: "/sys/class/video4linux/video10/name", encoding: .utf8)
        return name != nil && FileManager.default.isExecutableFile(atPath: "/bin/lb_producer") && PipelineFixtures.available
    }

    /// A child started with posix_spawn and ended by its pid with SIGKILL (Foundation's Process
    /// hangs in the bed's minimal guest, and a child inherits the test thread's blocked SIGTERM).
    final class Child {
        let pid: pid_t
        private var reaped = false

        init(_ path: String, _ args: [String]) throws {
            var pid: pid_t = 0
            let argv = ([path] + args).map { strdup($0) } + [nil]
            defer { argv.forEach { free($0) } }
            let rc = posix_spawn(&pid, path, nil, nil, argv, environ)
            guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO) }
            self.pid = pid
        }

        func kill() {
            guard !reaped else { return }
            reaped = true
            _ = Glibc.kill(pid, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
        }
    }
}
