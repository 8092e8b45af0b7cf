import ArgumentParser
import Foundation
import Train

/// `fer bench train`: training throughput of the reference model, ours and (optionally) Keras.
struct BenchTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Time training steps of a model (default: the reference) in our trainer and in Keras.")

    @Option(help: "Timed steps.") var steps = 20
    @Option(help: "Untimed warm-up steps.") var warmup = 3
    @Option(help: "Batch size.") var batch = 256
    @Option(help: "Worker threads (OpenBLAS and ours; TF intra/inter-op for Keras).") var threads = 2
    @Option(help: "Model spec file (default: the reference model).") var spec: String?
    @Flag(help: "Print per-layer forward/backward time of our trainer.") var profile = false
    @Option(help: "Python with tensorflow-cpu; runs scripts/bench_train_keras.py for the comparison.")
    var kerasPython: String?

    func validate() throws {
        guard steps > 0, warmup >= 0, batch > 0, threads > 0 else {
            throw ValidationError("--steps, --batch and --threads must be positive, --warmup non-negative")
        }
    }

    func run() throws {
        BLASSetup.reexecWithFastKernelsIfNeeded()
        let modelSpec = try spec.map { try ModelSpec(contentsOf: URL(fileURLWithPath: $0)) } ?? .reference
        let model = try Model(spec: modelSpec, seed: 1, threads: threads)
        var config = TrainConfig()
        config.batchSize = batch
        config.threads = threads
        let trainer = Trainer(model: model, config: config)
        let classes = model.outputShape.count
        var rng = TrainRandom(seed: 3)
        let source = InMemorySource(sampleShape: model.inputShape, classCount: classes,
                                    images: (0..<batch * model.inputShape.count).map { _ in rng.nextUnitFloat() },
                                    labels: (0..<batch).map { _ in Int(rng.next() % UInt64(classes)) })
        var batchRandom = rng
        func fillAndStep() {
            trainer.fillBatch(source, indices: 0..<batch, random: &batchRandom)
            _ = trainer.step(n: batch, learningRate: 1e-3)
        }
        for _ in 0..<warmup { fillAndStep() }
        model.profiling = profile
        let start = DispatchTime.now().uptimeNanoseconds
        let cpuStart = processCPUSeconds()
        for _ in 0..<steps { fillAndStep() }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let cpu = processCPUSeconds() - cpuStart
        let ours = Double(batch * steps) / seconds
        print(String(format: "ours:  %.1f images/s (%.3f s/step, %.1f images per CPU-second; batch %d, %d threads, %d params, OpenBLAS %@)",
                     ours, seconds / Double(steps), Double(batch * steps) / cpu, batch, threads, model.parameterCount,
                     BLASSetup.coreName))
        if profile {
            for (layer, t) in zip(model.layers, model.layerSeconds) {
                print(String(format: "  %-12@ %-10@ fwd %7.3f s  bwd %7.3f s", layer.name, layer.outputShape.description,
                             t.forward / Double(steps), t.backward / Double(steps)))
            }
        }
        guard let kerasPython else { return }
        let keras = try runKeras(python: kerasPython)
        print(String(format: "keras: %.1f images/s (%.3f s/step, %.1f images per CPU-second; %@)", keras.imagesPerSecond,
                     keras.secondsPerStep, keras.imagesPerCPUSecond, keras.versions))
        print(String(format: "ratio ours/keras: %.2fx wall, %.2fx per CPU-second", ours / keras.imagesPerSecond,
                     Double(batch * steps) / cpu / keras.imagesPerCPUSecond))
    }

    private func runKeras(python: String) throws
        -> (imagesPerSecond: Double, secondsPerStep: Double, imagesPerCPUSecond: Double, versions: String) {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../scripts/bench_train_keras.py").standardized.path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, "--steps", "\(steps)", "--warmup", "\(warmup)", "--batch", "\(batch)",
                             "--threads", "\(threads)"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last,
              let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let ips = json["images_per_second"] as? Double, let sps = json["seconds_per_step"] as? Double,
              let ipc = json["images_per_cpu_second"] as? Double
        else { throw ValidationError("the Keras benchmark (\(script)) failed with status \(process.terminationStatus)") }
        return (ips, sps, ipc, "tensorflow \(json["tensorflow"] ?? "?"), keras \(json["keras"] ?? "?")")
    }
}

/// User + system CPU seconds of this process (all threads).
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}
