import Capture
import Daemon
import Detect
import Foundation
import Glibc
import Imaging
import Recognize
import Testing
import Track

/// ferd end to end against a real kernel driver (qemu bed only, run by `scripts/test_v4l2.sh`):
/// v4l2loopback at /dev/video10 is fed the four-face sample JPEG as MJPEG by `lb_producer`, and
/// the release `ferd` shipped into the guest (a debug build is far too slow under qemu's
/// emulation) captures, decodes at half size, detects, classifies and tracks. Its decisions (the
/// debug log's `face new|update|end` lines; the guest has no broker) must announce exactly the
/// four faces this test finds in the same JPEG, then end them when the stream stops.
@Suite(.serialized, .enabled(if: PipelineBed.available, "needs v4l2loopback at /dev/video10, lb_producer, /bin/ferd and the fixtures (qemu bed)"))
struct PipelineBedTests {
    @Test func mjpegLoopbackFacesEndInTrackedDecisions() throws {
        let samples = try #require(PipelineFixtures.samples)
        let jpegPath = samples + "/frame06.jpg"
        let model = try #require(PipelineFixtures.model)
        let producer = try PipelineBed.Child("/bin/lb_producer", [PipelineBed.loopback, "640", "480", "15", "0", jpegPath])
        defer { producer.kill() }

        // What ferd must find: the JPEG decoded at half size (libjpeg DCT scaling, as ferd's
        // camera.decode_scale = 2 does) and scanned with the same detector settings.
        var config = try PipelineFixtures.config(source: PipelineBed.loopback)
        config.detector.downscale = 1
        let image = try JPEG.decodeGray([UInt8](try Data(contentsOf: URL(fileURLWithPath: jpegPath))), scaleDenominator: 2)
        let boxes = try PipelineSetup.detector(config).detect(image)
        #expect(boxes.count == 4)

        let log = FileManager.default.currentDirectoryPath + "/ferd-e2e.log"
        let ferd = try PipelineBed.Child(PipelineBed.ferd, [
            "--set", "camera.source=\(PipelineBed.loopback)", "--set", "camera.pixel_format=MJPG", "--set", "camera.fps=15",
            "--set", "camera.decode_scale=2", "--set", "camera.retry_max_seconds=1",
            "--set", "detector.cascade=\(config.detector.cascade)", "--set", "detector.min_size=20", "--set", "detector.full_scan_every=5",
            "--set", "model.path=\(model.path)", "--set", "tracker.min_hits=3", "--set", "tracker.min_face_size=20",
            "--set", "mqtt.enabled=false", "--set", "logging.level=debug",
        ], output: log)
        defer { ferd.kill() }

        func decisions() -> [(kind: String, id: String, label: String, box: Rect, p: [Float])] {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap { PipelineBed.parseDecision(String($0)) }
        }
        var start = Date()
        while Date().timeIntervalSince(start) < 300 && decisions().filter({ $0.kind == "new" }).count < 4 && ferd.running { usleep(250_000) }
        let news = decisions().filter { $0.kind == "new" }
        #expect(news.count == 4 && Set(news.map(\.id)).count == 4, "ferd's log:\n\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        #expect(Set(news.map(\.box)) == Set(boxes), "ferd announced \(news.map(\.box)), the JPEG holds \(boxes)")
        for d in news {
            #expect(d.p.count == 8 && abs(d.p.reduce(0, +) - 1) < 0.03, "\(d.p)")
            if model.trained { #expect(d.label == "happiness", "\(d.box): \(d.p)") }
        }
        print("bed: ferd announced \(news.map { "\($0.label) \($0.box)" }) with model \(model.path)\(model.trained ? "" : " (random weights: emotions not asserted)")")

        // Producer gone: the stream stalls, ferd's camera leaves `streaming` and every face ends.
        producer.kill()
        start = Date()
        while Date().timeIntervalSince(start) < 30 && decisions().filter({ $0.kind == "end" }).count < 4 && ferd.running { usleep(250_000) }
        let ends = decisions().filter { $0.kind == "end" }
        #expect(Set(ends.map(\.id)) == Set(news.map(\.id)))
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(text.contains("camera cam0: error") || text.contains("camera cam0: no_device"))
        print("bed: stream stopped: ferd ended \(ends.count) faces after \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
        #expect(ferd.terminate(timeout: 10) == 0)
    }
}

/// The qemu bed's loopback node and the producer shipped into it.
enum PipelineBed {
    static let loopback = "/dev/video10"

    static let ferd = "/bin/ferd"

    static var available: Bool {
        let name = try? String(contentsOfFile: "/sys/class/video4linux/video10/name", encoding: .utf8)
        return name != nil && FileManager.default.isExecutableFile(atPath: "/bin/lb_producer")
            && FileManager.default.isExecutableFile(atPath: ferd) && PipelineFixtures.available
    }

    /// `... face new <id> <label> <confidence> box [x,y,w,h] p [p0, p1, ...]` (ferd's debug log).
    static func parseDecision(_ line: String) -> (kind: String, id: String, label: String, box: Rect, p: [Float])? {
        guard let at = line.range(of: " face ") else { return nil }
        let rest = line[at.upperBound...]
        let words = rest.split(separator: " ")
        guard words.count >= 6, ["new", "update", "end"].contains(words[0]),
              let b = rest.range(of: " box ["), let bEnd = rest[b.upperBound...].firstIndex(of: "]"),
              let p = rest.range(of: " p ["), let pEnd = rest[p.upperBound...].firstIndex(of: "]") else { return nil }
        let v = rest[b.upperBound..<bEnd].split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let probs = rest[p.upperBound..<pEnd].split(separator: ",").compactMap { Float($0.trimmingCharacters(in: .whitespaces)) }
        guard v.count == 4 else { return nil }
        return (String(words[0]), String(words[1]), String(words[2]), Rect(x: v[0], y: v[1], width: v[2], height: v[3]), probs)
    }

    /// A child started with posix_spawn, its signal mask cleared (the test thread blocks SIGTERM,
    /// and a child would inherit that), optionally with stdout and stderr sent to a file.
    /// (Foundation's Process hangs in the bed's minimal guest.)
    final class Child {
        let pid: pid_t
        private var status: Int32?

        init(_ path: String, _ args: [String], output: String? = nil) throws {
            var pid: pid_t = 0
            let argv = ([path] + args).map { strdup($0) } + [nil]
            defer { argv.forEach { free($0) } }
            var attr = posix_spawnattr_t()
            posix_spawnattr_init(&attr)
            defer { posix_spawnattr_destroy(&attr) }
            var empty = sigset_t()
            sigemptyset(&empty)
            posix_spawnattr_setsigmask(&attr, &empty)
            posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK))
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            if let output {
                posix_spawn_file_actions_addopen(&actions, 2, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
                posix_spawn_file_actions_adddup2(&actions, 2, 1)
            }
            let rc = posix_spawn(&pid, path, &actions, &attr, argv, environ)
            guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO) }
            self.pid = pid
        }

        /// False once the child has exited (reaps it).
        var running: Bool {
            if status != nil { return false }
            var s: Int32 = 0
            if waitpid(pid, &s, WNOHANG) == pid { status = s; return false }
            return true
        }

        /// SIGTERM, then waits up to `timeout` s; the exit status, or nil if it had to be killed.
        func terminate(timeout: Double) -> Int32? {
            if running { _ = Glibc.kill(pid, SIGTERM) }
            let end = Date().addingTimeInterval(timeout)
            while running && Date() < end { usleep(50_000) }
            if running { kill(); return nil }
            guard let s = status, s & 0x7f == 0 else { return nil }
            return (s >> 8) & 0xff
        }

        func kill() {
            guard running else { return }
            _ = Glibc.kill(pid, SIGKILL)
            var s: Int32 = 0
            _ = waitpid(pid, &s, 0)
            status = s
        }
    }
}
