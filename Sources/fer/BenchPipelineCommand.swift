import ArgumentParser
import Capture
import Daemon
import Foundation
import Track

/// `fer bench pipeline`: ferd's whole data path on 640x480 file-source frames with 1 and 4 faces
/// (MJPEG decode → detect → recognize → track), and in the same run the seed-equivalent Python
/// path (OpenCV Haar + LiteRT, `scripts/bench_pipeline_python.py`) on the same frames.
struct BenchPipelineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline", abstract: "Frames/s, per-stage time, latency and CPU of the whole ferd path, against OpenCV + LiteRT.")

    @Option(help: "Folder with the sample frames (frame00.jpg: 1 face, frame06.jpg: 4 faces).") var samples = "samples/faces"
    @Option(help: "OpenCV Haar cascade XML.") var cascade = FerdConfig().detector.cascade
    @Option(help: "int8 TFLite model; empty = the shipped one in firmware-models/.") var model = ""
    @Option(help: "Timed frames per case.") var frames = 300
    @Option(help: "Comma-separated thread counts (detector and inference share them).") var threads = "1,2"
    @Option(help: "Comma-separated full_scan_every values (1 = whole frame every time).") var fullScanEvery = "1,5"
    @Option(help: "Detect on the frame downscaled by this factor.") var downscale = 1
    @Option(help: "Play the source at this frame rate (0 = as fast as ferd takes frames); frame-to-decision latency at a camera's rate.")
    var pace = 0
    @Flag(inversion: .prefixedNo, help: "Whole-frame scans on their own thread when full_scan_every > 1 (detector.background_full_scan).")
    var backgroundFullScan = true
    @Option(help: "Python with opencv-python-headless<5 and ai-edge-litert; empty = ours only.") var python = ".venv/bin/python"
    @Option(help: "The Python side.") var pythonScript = "scripts/bench_pipeline_python.py"

    func run() throws {
        var base = FerdConfig()
        base.detector.cascade = cascade
        base.detector.downscale = downscale
        base.detector.backgroundFullScan = backgroundFullScan
        base.model.path = model
        let modelPath = try PipelineSetup.modelPath(base)
        base.model.path = modelPath
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fer-bench-pipeline-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let threadCounts = threads.split(separator: ",").compactMap { Int($0) }
        let scanModes = fullScanEvery.split(separator: ",").compactMap { Int($0) }
        print("model \(modelPath), cascade \(URL(fileURLWithPath: cascade).lastPathComponent) (scaleFactor \(base.detector.scaleFactor), minNeighbors \(base.detector.minNeighbors), minSize \(base.detector.minSize)), downscale \(downscale), \(frames) frames per case")
        print("source: an MJPEG file of one 640x480 sample frame played \(pace > 0 ? "at \(pace) fps" : "unpaced") (every frame decoded); ms are means per frame;")
        print("latency = capture timestamp → tracker decision (wall ms); cpu = process CPU time / wall time (200% = both cores);")
        print("cpu ms = process CPU time per frame (all threads): on a loaded machine wall times stretch, CPU time much less")
        print("case     path                    thr  fps     decode  detect  recog   track   p50     p99     max     cpu   cpu ms")
        for (name, file) in [("1 face", "frame00.jpg"), ("4 faces", "frame06.jpg")] {
            let jpeg = try Data(contentsOf: URL(fileURLWithPath: samples + "/" + file))
            let mjpeg = dir.appendingPathComponent(file + ".mjpeg")
            try jpeg.write(to: mjpeg)
            for t in threadCounts {
                for every in scanModes {
                    var config = base
                    config.detector.threads = t
                    config.model.threads = t
                    config.detector.fullScanEvery = every
                    let r = try runOurs(config, mjpeg: mjpeg.path)
                    let label = every == 1 ? "ferd, full scans" : backgroundFullScan ? "ferd, bg full every \(every)" : "ferd, full every \(every)"
                    print(row(name, label, t, r))
                }
                if !python.isEmpty {
                    if let r = try runPython(samples + "/" + file, modelPath: modelPath, threads: t) {
                        print(row(name, "OpenCV+LiteRT (py)", t, r))
                    } else {
                        print("\(name)  OpenCV+LiteRT: the Python side failed (see stderr)")
                    }
                }
            }
        }
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let mem = status.split(separator: "\n").filter { $0.hasPrefix("VmRSS") || $0.hasPrefix("VmHWM") }.map { $0.split(whereSeparator: \.isWhitespace).dropFirst().joined(separator: " ") }
        print("fer bench process: VmRSS \(mem.first ?? "?"), peak VmHWM \(mem.last ?? "?") (ferd alone: scripts/bench_pipeline.sh measures it)")
    }

    struct Result {
        var fps: Double
        var decode = 0.0, detect = 0.0, recognize = 0.0, track = 0.0
        var p50 = 0.0, p99 = 0.0, max = 0.0
        var cpuPercent = 0.0
        var faces = 0.0
    }

    private func row(_ name: String, _ path: String, _ threads: Int, _ r: Result) -> String {
        func f(_ v: Double) -> String { String(format: "%.2f", v).padding(toLength: 7, withPad: " ", startingAt: 0) }
        return name.padding(toLength: 9, withPad: " ", startingAt: 0) + path.padding(toLength: 24, withPad: " ", startingAt: 0)
            + "\(threads)    " + f(r.fps) + " " + f(r.decode) + " " + f(r.detect) + " " + f(r.recognize) + " " + f(r.track) + " "
            + f(r.p50) + " " + f(r.p99) + " " + f(r.max) + " " + String(format: "%.0f%%", r.cpuPercent).padding(toLength: 5, withPad: " ", startingAt: 0)
            + " " + f(r.cpuPercent / 100 * 1000 / r.fps) + String(format: " (%.1f faces/frame)", r.faces)
    }

    private func runOurs(_ config: FerdConfig, mjpeg: String) throws -> Result {
        let source = try JPEGFileSource(mjpegFile: mjpeg, fps: Double(pace))
        let pipeline = CameraPipeline(config: config, source: source, detector: try PipelineSetup.detector(config),
                                      model: try PipelineSetup.model(config))
        defer { pipeline.stop() }
        var trackerConfig = config.tracker
        trackerConfig.labels = pipeline.labels
        var tracker = Tracker(config: trackerConfig, seed: 1)
        // Timing starts 10 frames after the first whole-frame scan is in (a background scan
        // finishes some frames after the start).
        var warmup = Int.max
        var latencies: [Double] = []
        latencies.reserveCapacity(frames)
        var trackNanos: UInt64 = 0, faces = 0
        var start: UInt64 = 0, cpuStart = 0.0
        var before = PipelineTimings()
        var n = 0
        while warmup == Int.max || n < warmup + frames {
            defer { n += 1 }
            if warmup == Int.max && pipeline.timings.fullScans > 0 { warmup = n + 10 }
            if n == warmup {
                start = Monotonic.nanos()
                cpuStart = processCPUSeconds()
                before = pipeline.timings
            }
            guard let frame = try pipeline.nextFrame(timeout: 5) else { throw ValidationError("the file source gave no frame") }
            let t0 = Monotonic.nanos()
            _ = tracker.step(frame.observations, time: frame.time)
            let t1 = Monotonic.nanos()
            if n >= warmup {
                trackNanos += t1 - t0
                latencies.append(Double(t1 - frame.captureNanos) / 1e6)
                faces += frame.observations.count
            }
        }
        let wall = Double(Monotonic.nanos() - start) / 1e9
        let cpu = processCPUSeconds() - cpuStart
        let t = pipeline.timings
        let count = Double(frames)
        latencies.sort()
        var r = Result(fps: count / wall)
        r.decode = (t.captureMs - before.captureMs) / count
        r.detect = (t.detectMs - before.detectMs) / count
        r.recognize = (t.recognizeMs - before.recognizeMs) / count
        r.track = Double(trackNanos) / 1e6 / count
        r.p50 = latencies[latencies.count / 2]
        r.p99 = latencies[min(latencies.count - 1, Int(Double(latencies.count) * 0.99))]
        r.max = latencies.last ?? 0
        r.cpuPercent = 100 * cpu / wall
        r.faces = Double(faces) / count
        return r
    }

    private func processCPUSeconds() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
    }

    private func runPython(_ jpeg: String, modelPath: String, threads: Int) throws -> Result? {
        let c = FerdConfig()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [pythonScript, "--cascade", cascade, "--model", modelPath, "--scale-factor", "\(c.detector.scaleFactor)",
                       "--min-neighbors", "\(c.detector.minNeighbors)", "--min-size", "\(c.detector.minSize * downscale)",
                       "--margin", "\(c.model.margin)", "--threads", "\(threads)", "--frames", "\(frames)", jpeg]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0, let obj = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let fps = obj["fps"] as? Double, let ms = obj["ms"] as? [String: Double] else { return nil }
        var r = Result(fps: fps)
        r.decode = ms["decode"] ?? 0
        r.detect = ms["detect"] ?? 0
        r.recognize = ms["recognize"] ?? 0
        r.track = ms["track"] ?? 0
        r.p50 = obj["p50_ms"] as? Double ?? 0
        r.p99 = obj["p99_ms"] as? Double ?? 0
        r.max = obj["max_ms"] as? Double ?? 0
        r.cpuPercent = obj["cpu_percent"] as? Double ?? 0
        r.faces = obj["faces_per_frame"] as? Double ?? 0
        return r
    }
}
