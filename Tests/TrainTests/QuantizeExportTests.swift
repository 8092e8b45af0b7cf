import Foundation
@testable import Inference
import Quantize
import TFLiteModel
import Testing
import Train

// Exports a small model trained for a few steps on synthetic data and checks the int8 TFLite file:
// structure and quantization per TFLite's spec, our engine vs the float model, and LiteRT's
// reference kernels vs our engine, bit for bit.

/// Every layer kind the exporter lowers: BN after ReLU (1x1 depthwise, or MUL + ADD), BN after a linear conv (folded),
/// a standalone ReLU (fused), max-pool, flatten, dense + ReLU, dropout, dense + softmax.
let exportSpecText = """
    input 12 12 1
    conv 6 3 relu
    bn
    conv 8 3
    bn
    relu
    maxpool 2
    conv 8 3 relu
    bn
    maxpool 2
    flatten
    dense 16 relu
    dropout 0.3
    dense 3 softmax
    """
let exportLabels = ["left", "middle", "right"]

/// Class k brightens vertical band k of a 12x12 image; values stay in [0, 1].
func bandImages(count: Int, seed: UInt64) -> (images: [Float], labels: [Int]) {
    var rng = TrainRandom(seed: seed)
    var images: [Float] = [], labels: [Int] = []
    for _ in 0..<count {
        let label = Int(rng.next() % 3)
        for _ in 0..<12 {
            for x in 0..<12 { images.append((x / 4 == label ? 0.55 : 0.15) + 0.4 * rng.nextUnitFloat()) }
        }
        labels.append(label)
    }
    return (images, labels)
}

/// Training settings for the band task: batch 32, one thread, cross-entropy, a constant rate.
func bandTrainConfig(epochs: Int, seed: UInt64, learningRate: Float) -> TrainConfig {
    var config = TrainConfig()
    config.batchSize = 32
    config.epochs = epochs
    config.seed = seed
    config.threads = 1
    config.loss = .crossEntropy
    config.schedule = StepDecay(initial: learningRate, factor: 1, every: 1)
    return config
}

/// A model trained for a few epochs (so BN statistics and weights are far from their initial values).
func trainedExportModel(_ specText: String = exportSpecText) throws -> Train.Model {
    let spec = try ModelSpec(parsing: specText)
    let config = bandTrainConfig(epochs: 3, seed: 11, learningRate: 1e-2)
    let trainer = Trainer(model: try Train.Model(spec: spec, seed: 11, threads: 1), config: config)
    let data = bandImages(count: 192, seed: 3)
    let source = InMemorySource(sampleShape: spec.input, classCount: 3, images: data.images, labels: data.labels)
    for _ in 0..<config.epochs { _ = trainer.trainEpoch(source) }
    return trainer.model
}

private struct ExportFixture {
    let model: Train.Model
    let export: QuantizedExport
    let test: (images: [Float], labels: [Int])

    init(batchNorm: BatchNormExport = .depthwise, ranges: CalibrationMethod = .minMax) throws {
        let trained = try trainedExportModel()
        let calibration = bandImages(count: 64, seed: 21)
        export = try calibration.images.withUnsafeBufferPointer {
            try Quantizer.export(trained, calibration: $0, count: 64, labels: exportLabels, cropMargin: 0.1,
                                 batchNorm: batchNorm, ranges: ranges)
        }
        model = trained
        test = bandImages(count: 48, seed: 99)
    }

    /// Test images quantized to the model's int8 input (scale 1/255, zero point -128).
    var int8Inputs: [UInt8] {
        test.images.map { UInt8(bitPattern: AffineParams(scale: 1.0 / 255, zeroPoint: -128).quantize($0)) }
    }
}

@Test(arguments: BatchNormExport.allCases)
func loweredGraphMatchesTheFloatModel(batchNorm: BatchNormExport) throws {
    let model = try trainedExportModel()
    let graph = try LoweredGraph(model: model, batchNorm: batchNorm)
    // conv+relu, BN (one scale-shift, or mul + add), conv (BN folded, ReLU fused), maxpool, conv, BN, maxpool,
    // reshape, dense, dense, softmax
    #expect(graph.ops.count == (batchNorm == .depthwise ? 11 : 13))
    let data = bandImages(count: 16, seed: 5)
    let expected = model.predict(data.images, count: 16)
    let runner = FloatRunner(graph: graph)
    var worst: Float = 0
    for i in 0..<16 {
        let out = data.images.withUnsafeBufferPointer { runner.run(UnsafeBufferPointer(rebasing: $0[i * 144..<(i + 1) * 144])) }
        for j in 0..<3 { worst = max(worst, abs(out[j] - expected[i * 3 + j])) }
    }
    #expect(worst < 1e-4, "lowered float graph vs Train.Model.predict: max |diff| \(worst)")
}

@Test func asymmetricParametersKeepZeroExact() {
    // [0, 1]: scale 1/255, zero point -128 (the images' quantization).
    let unit = AffineParams.asymmetric(min: 0, max: 1)
    #expect(unit.scale == Float(1.0 / 255) && unit.zeroPoint == -128)
    // A range not containing 0 is widened to contain it.
    #expect(AffineParams.asymmetric(min: 0.5, max: 2) == AffineParams.asymmetric(min: 0, max: 2))
    for (lo, hi) in [(-1.0, 1.0), (-0.3, 2.7), (-5.0, 0.01), (-0.001, 3.0)] as [(Float, Float)] {
        let p = AffineParams.asymmetric(min: lo, max: hi)
        #expect((-128...127).contains(p.zeroPoint))
        #expect(p.quantize(0) == Int8(p.zeroPoint), "0 must be exactly representable")
        // The nudged grid still covers the range to within one step.
        #expect(p.scale * Float(-128 - p.zeroPoint) <= lo + p.scale && p.scale * Float(127 - p.zeroPoint) >= hi - p.scale)
    }
}

@Test(arguments: BatchNormExport.allCases)
func exportFollowsTheTFLiteInt8Spec(batchNorm: BatchNormExport) throws {
    let f = try ExportFixture(batchNorm: batchNorm)
    let model = try TFLiteModel.Model(bytes: f.export.bytes)
    let g = model.subgraphs[0]
    let ops = g.operators.map { model.operatorCodes[Int($0.opcodeIndex)].op }
    let bn: [BuiltinOperator] = batchNorm == .depthwise ? [.depthwiseConv2D] : [.mul, .add]
    #expect(ops == [.conv2D] + bn + [.conv2D, .maxPool2D, .conv2D] + bn + [.maxPool2D, .reshape,
                    .fullyConnected, .fullyConnected, .softmax])
    let input = g.tensors[Int(g.inputs[0])], output = g.tensors[Int(g.outputs[0])]
    #expect(input.type == .int8 && input.shape == [1, 12, 12, 1])
    #expect(input.quantization?.scale == [Float(1.0 / 255)] && input.quantization?.zeroPoint == [-128])
    #expect(output.type == .int8 && output.quantization?.scale == [1.0 / 256] && output.quantization?.zeroPoint == [-128])
    for op in g.operators where [.conv2D, .fullyConnected].contains(model.operatorCodes[Int(op.opcodeIndex)].op) {
        let x = g.tensors[Int(op.inputs[0])], w = g.tensors[Int(op.inputs[1])], b = g.tensors[Int(op.inputs[2])]
        let wq = try #require(w.quantization), bq = try #require(b.quantization)
        #expect(w.type == .int8 && b.type == .int32 && wq.quantizedDimension == 0)
        #expect(wq.scale.count == Int(w.shape[0]) && wq.zeroPoint.allSatisfy { $0 == 0 })
        #expect(model.buffers[Int(w.buffer)].data.allSatisfy { Int8(bitPattern: $0) >= -127 }, "symmetric weights avoid -128")
        let sIn = try #require(x.quantization?.scale.first)
        for c in wq.scale.indices { #expect(bq.scale[c] == sIn * wq.scale[c]) }
    }
    // BN after ReLU as a depthwise 1x1: one int8 weight per channel (±127 at its own scale, on axis 3),
    // int32 bias at s_in · s_w[c].
    for op in g.operators where model.operatorCodes[Int(op.opcodeIndex)].op == .depthwiseConv2D {
        let x = g.tensors[Int(op.inputs[0])], w = g.tensors[Int(op.inputs[1])], b = g.tensors[Int(op.inputs[2])]
        let wq = try #require(w.quantization), bq = try #require(b.quantization)
        #expect(w.shape == [1, 1, 1, x.shape[3]] && w.type == .int8 && wq.quantizedDimension == 3 && b.type == .int32)
        #expect(model.buffers[Int(w.buffer)].data.allSatisfy { abs(Int(Int8(bitPattern: $0))) == 127 },
                "each channel's multiplier is exact at its own scale")
        let sIn = try #require(x.quantization?.scale.first)
        for c in wq.scale.indices { #expect(bq.scale[c] == sIn * wq.scale[c]) }
    }
    // BN after ReLU as MUL and ADD (TensorFlow's converter): int8 constant vectors with a per-tensor scale.
    for op in g.operators where [.mul, .add].contains(model.operatorCodes[Int(op.opcodeIndex)].op) {
        let c = g.tensors[Int(op.inputs[1])]
        #expect(c.type == .int8 && c.buffer > 0 && c.quantization?.scale.count == 1)
    }
    // Max-pool and reshape keep their input's quantization (TFLite requires it).
    for op in g.operators where [.maxPool2D, .reshape].contains(model.operatorCodes[Int(op.opcodeIndex)].op) {
        #expect(g.tensors[Int(op.inputs[0])].quantization == g.tensors[Int(op.outputs[0])].quantization)
    }
    let meta = try RecognitionMetadata(model: model)
    #expect(meta.labels == exportLabels)
    #expect(meta.preprocess == .init(inputWidth: 12, inputHeight: 12, inputScale: Float(1.0 / 255), inputZeroPoint: -128,
                                     pixelScale: 1.0 / 255, cropMargin: 0.1))
}

@Test(arguments: [(BatchNormExport.depthwise, CalibrationMethod.minMax), (.depthwise, .mse), (.mulAdd, .minMax),
                   (.depthwise, .percentile(0.9999))])
func int8ModelTracksTheFloatModel(batchNorm: BatchNormExport, ranges: CalibrationMethod) throws {
    let f = try ExportFixture(batchNorm: batchNorm, ranges: ranges)
    let float = f.model.predict(f.test.images, count: 48)
    let classifier = try Int8Classifier(bytes: f.export.bytes, maxBatch: 8)
    let int8 = try f.test.images.withUnsafeBufferPointer { try classifier.scores($0, count: 48) }
    var agree = 0, worst: Float = 0
    for i in 0..<48 {
        let a = (0..<3).max { float[i * 3 + $0] < float[i * 3 + $1] }!, b = (0..<3).max { int8[i * 3 + $0] < int8[i * 3 + $1] }!
        if a == b { agree += 1 }
        for j in 0..<3 { worst = max(worst, abs(float[i * 3 + j] - int8[i * 3 + j])) }
    }
    // int8 probabilities are multiples of 1/256; the calibrated ranges keep the rest of the error small.
    #expect(worst < 0.08, "max |float - int8| probability \(worst)")
    #expect(agree >= 46, "int8 and float agree on \(agree) of 48 images")
}

@Test func depthwiseBatchNormRunsAsAFusedChannelTable() throws {
    let f = try ExportFixture(batchNorm: .depthwise, ranges: .mse)
    let inputs = f.int8Inputs
    let fused = try Interpreter(bytes: f.export.bytes, maxBatch: 48)
    let summary = try #require(fused.fastPlan?.summary)
    // Both 1x1 depthwise BNs fold into the conv before them, like MUL/ADD (no depthwise kernel runs).
    #expect(!summary.contains("depthwise") && !summary.contains("channel_map") && summary.contains("fused x"), "\(summary)")
    let unfused = try Interpreter(bytes: f.export.bytes, maxBatch: 48, fast: FastOptions(fuseElementwise: false))
    #expect(unfused.fastPlan?.summary.contains("channel_map x2") == true, "\(unfused.fastPlan?.summary ?? "")")
    let reference = try Interpreter(bytes: f.export.bytes, maxBatch: 48, fast: nil)
    let expected = try reference.run(inputs, batch: 48)
    #expect(try fused.run(inputs, batch: 48) == expected)
    #expect(try unfused.run(inputs, batch: 48) == expected)
}

/// The repo's venv python (scripts/venv.sh ai-edge-litert); nil when missing.
private var venvPython: URL? {
    let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let python = repo.appendingPathComponent(".venv/bin/python")
    return FileManager.default.isExecutableFile(atPath: python.path) ? python : nil
}

private let runningInCI = ProcessInfo.processInfo.environment["CI"] != nil

/// Runs `model` on `count` int8 inputs with LiteRT's reference kernels (BUILTIN_REF) in the venv.
private func litertOutputs(python: URL, model: [UInt8], inputs: [UInt8], count: Int) throws -> [UInt8] {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("edgefer-export-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let script = """
        import sys, numpy as np
        from ai_edge_litert.interpreter import Interpreter, OpResolverType
        model, inp, out, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
        it = Interpreter(model_path=model, experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
        it.allocate_tensors()
        i, o = it.get_input_details()[0], it.get_output_details()[0]
        x = np.fromfile(inp, dtype=np.int8).reshape((n,) + tuple(i["shape"][1:]))
        res = []
        for k in range(n):
            it.set_tensor(i["index"], x[k:k + 1])
            it.invoke()
            res.append(it.get_tensor(o["index"]).copy())
        np.concatenate(res).astype(np.int8).tofile(out)
        """
    try Data(script.utf8).write(to: dir.appendingPathComponent("run.py"))
    try Data(model).write(to: dir.appendingPathComponent("m.tflite"))
    try Data(inputs).write(to: dir.appendingPathComponent("in.bin"))
    let p = Process()
    p.executableURL = python
    p.arguments = [dir.appendingPathComponent("run.py").path, dir.appendingPathComponent("m.tflite").path,
                   dir.appendingPathComponent("in.bin").path, dir.appendingPathComponent("out.bin").path, "\(count)"]
    let err = Pipe()
    p.standardError = err
    try p.run()
    let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    guard p.terminationStatus == 0 else {
        throw QuantizeError.invalidExport("LiteRT failed (status \(p.terminationStatus)): \(errText.suffix(2000))")
    }
    return [UInt8](try Data(contentsOf: dir.appendingPathComponent("out.bin")))
}

@Test(.enabled(if: venvPython != nil || runningInCI, "needs .venv with ai-edge-litert (scripts/venv.sh ai-edge-litert)"))
func liteRTMatchesOurEngineBitForBit() throws {
    let python = try #require(venvPython, "CI is set but .venv/bin/python is missing: run scripts/venv.sh ai-edge-litert")
    for (batchNorm, ranges) in [(BatchNormExport.depthwise, CalibrationMethod.mse), (.mulAdd, .minMax)] {
        try liteRTMatches(try ExportFixture(batchNorm: batchNorm, ranges: ranges), python: python, "\(batchNorm) \(ranges)")
    }
}

private func liteRTMatches(_ f: ExportFixture, python: URL, _ variant: String) throws {
    let inputs = f.int8Inputs
    let theirs = try litertOutputs(python: python, model: f.export.bytes, inputs: inputs, count: 48)
    for fast in [true, false] {
        let interpreter = try Interpreter(bytes: f.export.bytes, maxBatch: 48, fast: fast ? FastOptions() : nil)
        let ours = try interpreter.run(inputs, batch: 48)
        #expect(ours == theirs, "\(variant): our engine (\(fast ? "fast" : "reference") kernels) vs LiteRT BUILTIN_REF")
    }
}
