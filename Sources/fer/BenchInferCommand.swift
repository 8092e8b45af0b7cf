import ArgumentParser
import Foundation
import Inference
import TFLiteModel

/// `fer bench infer MODEL.tflite`: our int8 engine against LiteRT (default XNNPACK delegate, same
/// thread count) in one run, interleaving rounds of both so that a varying machine load hits
/// both alike; also checks that our outputs equal LiteRT's reference kernels on the same inputs.
struct BenchInferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer", abstract: "Time our int8 engine against LiteRT (XNNPACK) on a TFLite model.")

    @Argument(help: "The int8 TFLite model.")
    var model: String

    @Option(help: "Comma-separated thread counts.")
    var threads = "1,2"

    @Option(help: "Comma-separated batch sizes (samples per call).")
    var batch = "1,8"

    @Option(help: "Timed calls per round and engine.")
    var iterations = 100

    @Option(help: "Rounds; each runs our engine, then LiteRT.")
    var rounds = 5

    @Option(help: "Python with ai-edge-litert (scripts/bench_infer.sh sets it up).")
    var python = ".venv/bin/python"

    @Option(help: "The LiteRT side of the benchmark.")
    var litertScript = "scripts/litert_bench.py"

    @Option(help: "Our kernel kind: best, scalar, avx2, avx512_vnni, neon, neon_dot.")
    var kernel = "best"

    @Flag(help: "Time only our engine (no Python, no LiteRT).")
    var oursOnly = false

    func validate() throws {
        guard !threadCounts.isEmpty, threadCounts.allSatisfy({ (1...64).contains($0) }) else {
            throw ValidationError("--threads: expected comma-separated counts in 1...64, got '\(threads)'")
        }
        guard !batchSizes.isEmpty, batchSizes.allSatisfy({ (1...1024).contains($0) }) else {
            throw ValidationError("--batch: expected comma-separated sizes in 1...1024, got '\(batch)'")
        }
        guard iterations >= 1, rounds >= 1 else { throw ValidationError("--iterations and --rounds must be positive") }
        guard kernelKind != nil else { throw ValidationError("--kernel: unknown kind '\(kernel)'") }
    }

    private var threadCounts: [Int] { threads.split(separator: ",").compactMap { Int($0) } }
    private var batchSizes: [Int] { batch.split(separator: ",").compactMap { Int($0) } }
    private var kernelKind: FastKernelKind? {
        kernel == "best" ? .best : FastKernelKind.allCases.first { $0.description == kernel }
    }

    func run() throws {
        guard let data = FileManager.default.contents(atPath: model) else {
            throw ValidationError("cannot read the model file '\(model)'")
        }
        let bytes = [UInt8](data)
        let kind = kernelKind ?? .best
        let maxBatch = batchSizes.max()!
        let probe = try Interpreter(bytes: bytes, maxBatch: 1, fast: FastOptions(kind: kind))
        let macOps: Set<String> = ["CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"]
        let macs = probe.layers.filter { macOps.contains($0.op) }.reduce(0) { $0 + $1.macs }
        let peak = kind.measuredPeakGMACs(seconds: 0.3)
        print("model \(model): \(String(format: "%.1f", Double(macs) / 1e6)) M MAC per sample (conv/FC), our kernel \(kind)")
        if let peak { print("measured one-core \(kind) int8 peak: \(String(format: "%.1f", peak)) GMAC/s (independent chains)") }

        // Deterministic inputs: uniform int8 bytes (any dtype's raw bytes are fine for timing;
        // float inputs get small normal numbers).
        let sampleBytes = probe.inputs[0].bytesPerSample
        let samples = max(maxBatch, 8)
        let input = Self.inputs(count: samples * sampleBytes, float: probe.inputs[0].type == .float32)

        var litert: LiteRTProcess?
        if !oursOnly {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fer-bench-\(getpid())")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let inURL = dir.appendingPathComponent("in.bin")
            try Data(input).write(to: inURL)
            let proc = try LiteRTProcess(python: python, script: litertScript, model: model, input: inURL,
                                         ref: dir.appendingPathComponent("ref.bin"), xnn: dir.appendingPathComponent("xnn.bin"))
            litert = proc
            try checkExactness(bytes: bytes, kind: kind, input: input, samples: samples, ref: proc.refOutput, xnn: proc.xnnOutput)
        }

        print("")
        print("threads batch |   ours min   median  GMAC/s  %peak | LiteRT min   median  GMAC/s  %peak | ours/LiteRT min median")
        for t in threadCounts {
            for b in batchSizes {
                let interpreter = try Interpreter(bytes: bytes, maxBatch: b, fast: FastOptions(kind: kind, threads: t))
                let buffer = interpreter.inputBuffer(0)
                input.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: b * sampleBytes) }
                var ours: [Double] = [], theirs: [Double] = [], mode = ""
                for _ in 0..<rounds {
                    ours += try Self.time(iterations: iterations, warmup: 10) { try interpreter.invoke(batch: b) }
                    if let litert {
                        let r = try litert.time(threads: t, batch: b, iterations: iterations, warmup: 10)
                        theirs += r.ms
                        mode = r.mode == "sequential" ? " (LiteRT: \(b) invokes of batch 1; its model has a fixed batch)" : ""
                    }
                }
                let work = Double(macs * b)
                func cols(_ ms: [Double]) -> String {
                    guard !ms.isEmpty else { return String(repeating: " ", count: 34) }
                    let s = ms.sorted(), lo = s[0], med = s[s.count / 2]
                    let gmacs = work / (lo * 1e-3) / 1e9
                    let share = peak.map { String(format: "%5.1f", 100 * gmacs / ($0 * Double(t))) } ?? "    -"
                    return String(format: "%9.3f %8.3f %7.1f", lo, med, gmacs) + "  " + share
                }
                var line = String(format: "%7d %5d | ", t, b) + cols(ours) + " | " + cols(theirs) + " |"
                if !theirs.isEmpty {
                    let o = ours.sorted(), l = theirs.sorted()
                    line += String(format: " %10.3f %6.3f", o[0] / l[0], o[o.count / 2] / l[l.count / 2])
                }
                print(line + mode)
            }
        }
        print("\nms per call (a call runs `batch` samples); min and median over \(rounds) interleaved rounds of \(iterations) calls;")
        print("GMAC/s and %peak from the min; %peak is against the measured one-core peak times the thread count.")
        try litert?.close()
    }

    /// Our outputs against LiteRT's reference kernels (the bit-exact target) and XNNPACK, on the same inputs.
    private func checkExactness(bytes: [UInt8], kind: FastKernelKind, input: [UInt8], samples: Int, ref: [UInt8], xnn: [UInt8]) throws {
        let interpreter = try Interpreter(bytes: bytes, maxBatch: 1, fast: FastOptions(kind: kind))
        let inBytes = interpreter.inputs[0].bytesPerSample, outBytes = interpreter.outputs[0].bytesPerSample
        var ours: [UInt8] = []
        for k in 0..<samples { ours += try interpreter.run(Array(input[k * inBytes..<(k + 1) * inBytes])) }
        guard ref.count == ours.count, xnn.count == ours.count else {
            throw ValidationError("LiteRT wrote \(ref.count) reference bytes, we made \(ours.count)")
        }
        let differ = zip(ours, ref).filter { $0 != $1 }.count
        let xnnDiffer = zip(xnn, ref).filter { $0 != $1 }.count
        print("outputs on \(samples) random inputs (\(samples * outBytes) bytes): ours vs LiteRT reference kernels: " +
              (differ == 0 ? "bit-exact" : "\(differ) bytes DIFFER") + "; LiteRT XNNPACK vs reference: \(xnnDiffer) bytes differ")
    }

    private static func inputs(count: Int, float: Bool) -> [UInt8] {
        var state: UInt64 = 0x5EED_64
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        if float {
            return (0..<count / 4).flatMap { _ in withUnsafeBytes(of: Float(next() % 1000) / 1000) { Array($0) } }
        }
        return (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) }
    }

    private static func time(iterations: Int, warmup: Int, _ body: () throws -> Void) rethrows -> [Double] {
        for _ in 0..<warmup { try body() }
        var ms: [Double] = []
        ms.reserveCapacity(iterations)
        for _ in 0..<iterations {
            let t0 = DispatchTime.now().uptimeNanoseconds
            try body()
            ms.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        }
        return ms
    }
}

/// scripts/litert_bench.py running as a child process that answers timing requests.
final class LiteRTProcess {
    private let process = Process()
    private let toChild = Pipe(), fromChild = Pipe()
    private var pending = Data()
    private(set) var refOutput: [UInt8] = []
    private(set) var xnnOutput: [UInt8] = []

    struct Timing: Decodable {
        var mode: String
        var ms: [Double]
    }

    init(python: String, script: String, model: String, input: URL, ref: URL, xnn: URL) throws {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw ValidationError("no Python at \(python): run scripts/bench_infer.sh, or pass --python (or --ours-only)")
        }
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, model, "--input", input.path, "--ref-output", ref.path, "--xnn-output", xnn.path]
        process.standardInput = toChild
        process.standardOutput = fromChild
        try process.run()
        let ready = try readLine()
        guard ready.contains("ready") else { throw ValidationError("LiteRT side did not start: \(ready)") }
        refOutput = try [UInt8](Data(contentsOf: ref))
        xnnOutput = try [UInt8](Data(contentsOf: xnn))
    }

    func time(threads: Int, batch: Int, iterations: Int, warmup: Int) throws -> Timing {
        toChild.fileHandleForWriting.write(Data("\(threads) \(batch) \(iterations) \(warmup)\n".utf8))
        return try JSONDecoder().decode(Timing.self, from: Data(readLine().utf8))
    }

    func close() throws {
        try toChild.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    private func readLine() throws -> String {
        while true {
            if let nl = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[pending.startIndex..<nl], as: UTF8.self)
                pending = Data(pending[(nl + 1)...])
                return line
            }
            let chunk = fromChild.fileHandleForReading.availableData
            if chunk.isEmpty { throw ValidationError("LiteRT side exited (status \(process.isRunning ? -1 : process.terminationStatus))") }
            pending += chunk
        }
    }
}
