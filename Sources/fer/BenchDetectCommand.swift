import ArgumentParser
import Detect
import Foundation
import Imaging

/// `fer bench detect`: our detector against OpenCV's CascadeClassifier on the same frames,
/// cascade and parameters, at 1 and 2 threads; prints median times, the ratio and whether the
/// boxes are identical. The OpenCV side runs `scripts/bench_detect_opencv.py` with the given python.
struct BenchDetectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect", abstract: "Benchmark the Haar detector against OpenCV (640x480 and 320x240 frames).")

    @Option(help: "Source photo (resized to each frame size).") var image = "../shared/conformance/haar/images/img_000.jpg"
    @Option(help: "OpenCV Haar cascade XML.") var cascade = DetectCommand.defaultCascade
    @Option(help: "Pyramid scale step.") var scaleFactor = 1.1
    @Option(help: "Neighbours a group needs.") var minNeighbors = 3
    @Option(help: "Smallest face in pixels.") var minSize = 24
    @Option(help: "Timed runs per case (after one warm-up).") var iterations = 30
    @Option(help: "Frame sizes, WxH, comma separated.") var sizes = "640x480,320x240"
    @Option(help: "Thread counts, comma separated.") var threads = "1,2"
    @Option(help: "Python with opencv-python-headless<5 (scripts/bench_detect.sh sets it up); empty = ours only.")
    var python = ".venv/bin/python"
    @Option(help: "The OpenCV timing script.") var opencvScript = "scripts/bench_detect_opencv.py"
    @Flag(inversion: .prefixedNo, help: "Also time the tracking-mode region scan.") var regionScan = true

    func run() throws {
        guard let data = FileManager.default.contents(atPath: image) else { throw ValidationError("cannot read \(image)") }
        let photo = try JPEG.decodeGray([UInt8](data), conversion: .opencv)
        let model = try Cascade(contentsOf: cascade)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fer-bench-detect-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let threadCounts = threads.split(separator: ",").compactMap { Int($0) }
        print("cascade \(URL(fileURLWithPath: cascade).lastPathComponent), scaleFactor \(scaleFactor), minNeighbors \(minNeighbors), minSize \(minSize), \(iterations) runs")
        print("wall ms as median/min; ratio = ours/OpenCV of the medians (of the minimums);")
        print("cpu = median thread CPU ms at 1 thread (robust when the machine is loaded) and its ratio")
        print("frame     threads  ours med/min    opencv med/min   ratio          cpu ours/opencv  ratio  boxes")
        for size in sizes.split(separator: ",") {
            let wh = size.split(separator: "x").compactMap { Int($0) }
            guard wh.count == 2 else { throw ValidationError("bad size \(size)") }
            let frame = photo.resizedLinear(width: wh[0], height: wh[1], exact: true)
            let pgm = dir.appendingPathComponent("\(size).pgm")
            try Data(Array("P5\n\(frame.width) \(frame.height)\n255\n".utf8) + frame.pixels).write(to: pgm)
            for t in threadCounts {
                let detector = FaceDetector(cascade: model, parameters: DetectionParameters(
                    scaleFactor: scaleFactor, minNeighbors: minNeighbors, minSize: Size(width: minSize, height: minSize), threads: t))
                let boxes = detector.detect(frame)
                var times: [Double] = [], cpu: [Double] = []
                for _ in 0..<iterations {
                    let start = DispatchTime.now().uptimeNanoseconds, cpuStart = threadCPUms()
                    _ = detector.detect(frame)
                    times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
                    cpu.append(threadCPUms() - cpuStart)
                }
                let cpuMedian = cpu.sorted()[cpu.count / 2]
                let ours = times.sorted()[times.count / 2], oursMin = times.min() ?? 0
                var line = "\(size.padding(toLength: 9, withPad: " ", startingAt: 0)) \(t)        " + String(format: "%6.2f/%6.2f", ours, oursMin)
                if !python.isEmpty, let cv = try runOpenCV(pgm.path, threads: t) {
                    let same = cv.boxes == boxes.map { [$0.x, $0.y, $0.width, $0.height] }.sorted { $0.lexicographicallyPrecedes($1) }
                    line += String(format: "  %7.2f/%7.2f  %4.2fx (%4.2fx)  ", cv.ms, cv.msMin, ours / cv.ms, oursMin / cv.msMin)
                    line += t == 1 ? String(format: "%7.2f/%7.2f  %4.2fx  ", cpuMedian, cv.cpuMs, cpuMedian / cv.cpuMs) : String(repeating: " ", count: 24)
                    line += "\(same ? "identical" : "DIFFERENT") (\(boxes.count))"
                } else {
                    line += "  (no OpenCV)  \(boxes.count) boxes"
                }
                print(line)
                if regionScan && t == threadCounts.first {
                    // Tracking mode: only the regions around the faces just found.
                    var regionTimes: [Double] = []
                    for _ in 0..<iterations {
                        let start = DispatchTime.now().uptimeNanoseconds
                        _ = detector.detect(frame, around: boxes)
                        regionTimes.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
                    }
                    let found = detector.detect(frame, around: boxes)
                    let kept = boxes.filter { b in found.contains { $0.iou(b) >= 0.9 } }.count
                    print("\(size.padding(toLength: 9, withPad: " ", startingAt: 0)) \(t)        " + String(format: "%6.2f/%6.2f", regionTimes.sorted()[regionTimes.count / 2], regionTimes.min() ?? 0)
                          + "  region scan around the \(boxes.count) faces: \(kept) found again")
                }
            }
        }
    }

    private func threadCPUms() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) * 1e3 + Double(ts.tv_nsec) / 1e6
    }

    private func runOpenCV(_ frame: String, threads: Int) throws -> (ms: Double, msMin: Double, cpuMs: Double, boxes: [[Int]])? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [opencvScript, cascade, "\(scaleFactor)", "\(minNeighbors)", "\(minSize)", "\(threads)", "\(iterations)", frame]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0,
              let obj = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let ms = obj["ms_median"] as? Double, let msMin = obj["ms_min"] as? Double, let cpuMs = obj["cpu_ms_median"] as? Double,
              let boxes = obj["boxes"] as? [[Int]] else { return nil }
        return (ms, msMin, cpuMs, boxes)
    }
}
