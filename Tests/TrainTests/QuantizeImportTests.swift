import Foundation
import Quantize
import TFLiteModel
import Testing
import Train

// `fer import`: an int8 export read back into a float model of its spec, for training on from a
// shipped model. The round trip is checked against the model that was exported.

/// The export spec without dropout, so training-mode forward is deterministic.
private let importSpecText = exportSpecText.replacingOccurrences(of: "dropout 0.3\n", with: "")

private func exported(_ model: Train.Model, batchNorm: BatchNormExport = .depthwise) throws -> [UInt8] {
    let calibration = bandImages(count: 64, seed: 21)
    return try calibration.images.withUnsafeBufferPointer {
        try Quantizer.export(model, calibration: $0, count: 64, labels: exportLabels, batchNorm: batchNorm, ranges: .minMax).bytes
    }
}

private func largestDifference(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

@Test func importInvertsTheExportWithinOneQuantizationStep() throws {
    #expect(!importSpecText.contains("dropout"))
    let original = try trainedExportModel(importSpecText)
    let bytes = try exported(original)
    let imported = try TFLiteImporter.model(bytes: bytes, spec: try ModelSpec(parsing: importSpecText), path: "m.tflite")
    // Kernels: each value within half a step (max |w| / 254 of its output channel) of the original
    // (the conv whose BN was folded holds the folded kernel; the predictions below cover it).
    for case let (a as Conv2DLayer, b as Conv2DLayer) in zip(original.layers, imported.layers) where a.activation == .relu {
        let cout = a.outputShape.channels, w = a.kernel.value.array(), v = b.kernel.value.array()
        for c in 0..<cout {
            let step = stride(from: c, to: w.count, by: cout).map { abs(w[$0]) }.max()! / 127
            let worst = stride(from: c, to: w.count, by: cout).map { abs(w[$0] - v[$0]) }.max()!
            #expect(worst <= step / 2 * 1.001 + 1e-7, "\(a.name) channel \(c): off by \(worst), step \(step)")
        }
    }
    let test = bandImages(count: 48, seed: 99)
    let expected = original.predict(test.images, count: 48), found = imported.predict(test.images, count: 48)
    #expect(largestDifference(expected, found) < 0.05, "probabilities differ by \(largestDifference(expected, found))")
    // Re-exporting the imported weights gives back the same int8 kernels.
    let again = try TFLiteModel.Model(bytes: try exported(imported)), first = try TFLiteModel.Model(bytes: bytes)
    let kernels = { (m: TFLiteModel.Model) in
        m.subgraphs[0].tensors.filter { $0.name.hasSuffix("/kernel") }.map { m.buffers[Int($0.buffer)].data }
    }
    #expect(kernels(first).count == 5)
    #expect(kernels(again) == kernels(first))
}

@Test func remeasuredBatchNormKeepsInferenceAndMatchesTrainingMode() throws {
    let imported = try TFLiteImporter.model(bytes: try exported(try trainedExportModel(importSpecText)),
                                            spec: try ModelSpec(parsing: importSpecText), path: "m.tflite")
    let batch = bandImages(count: 64, seed: 7)
    // Provisional statistics: training mode (batch statistics) computes something else. (It also
    // moves the moving statistics a step, so inference is measured after it.)
    let trainingBefore = batch.images.withUnsafeBufferPointer { Array(UnsafeBufferPointer(start: imported.forward($0.baseAddress!, n: 64, training: true), count: 64 * 3)) }
    let before = imported.predict(batch.images, count: 64)
    let changes = batch.images.withUnsafeBufferPointer { imported.remeasureBatchNormStatistics($0.baseAddress!, count: 64, batch: 64) }
    #expect(changes.count == 3 && changes.allSatisfy { $0 < 1e-4 }, "BN functions changed by \(changes)")
    let after = imported.predict(batch.images, count: 64)
    #expect(largestDifference(before, after) < 1e-4)
    // Measured on this very batch, batch statistics equal the moving ones (up to the moving update).
    let training = batch.images.withUnsafeBufferPointer { Array(UnsafeBufferPointer(start: imported.forward($0.baseAddress!, n: 64, training: true), count: 64 * 3)) }
    #expect(largestDifference(training, after) < 2e-3, "training vs inference mode: \(largestDifference(training, after))")
    #expect(largestDifference(trainingBefore, after) > 10 * largestDifference(training, after))
}

@Test func importRefusesAModelThatIsNotTheSpecsExport() throws {
    let model = try trainedExportModel(importSpecText)
    func reason(_ bytes: [UInt8], _ text: String = importSpecText) -> String {
        do {
            _ = try TFLiteImporter.model(bytes: bytes, spec: try ModelSpec(parsing: text), path: "m.tflite")
            return "imported"
        } catch { return "\(error)" }
    }
    let bytes = try exported(model)
    #expect(reason(bytes).contains("imported"))
    let wider = reason(bytes, importSpecText.replacingOccurrences(of: "conv 6 3 relu", with: "conv 7 3 relu"))
    #expect(wider.contains("m.tflite") && wider.contains("conv_1") && wider.contains("expected int8 [7, 3, 3, 1]"), "\(wider)")
    let mulAdd = reason(try exported(model, batchNorm: .mulAdd))
    #expect(mulAdd.contains("bn_1") && mulAdd.contains("expected DEPTHWISE_CONV_2D, found MUL"), "\(mulAdd)")
    let longer = reason(bytes, importSpecText.replacingOccurrences(of: "dense 3 softmax", with: "dense 3 relu\ndense 3 softmax"))
    #expect(longer.contains("dense_2") && longer.contains("fused activation NONE, the spec needs RELU"), "\(longer)")
    let shorter = reason(bytes, importSpecText.replacingOccurrences(of: "maxpool 2\nflatten", with: "flatten"))
    #expect(shorter.contains("maxpool") || shorter.contains("expected RESHAPE"), "\(shorter)")
    #expect(reason(Array(bytes.prefix(bytes.count / 2))).contains("m.tflite: cannot import"))
}

@Test func importSurvivesCorruptedFiles() throws {
    let bytes = try exported(try trainedExportModel(importSpecText))
    let spec = try ModelSpec(parsing: importSpecText)
    var rng = TrainRandom(seed: 17)
    var refused = 0
    // Random byte changes and truncations: each must import or throw, never trap or hang.
    for round in 0..<600 {
        var mutated = bytes
        if round % 5 == 4 {
            mutated = Array(mutated.prefix(Int(rng.next() % UInt64(mutated.count))))
        } else {
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                mutated[Int(rng.next() % UInt64(mutated.count))] = UInt8(truncatingIfNeeded: rng.next())
            }
        }
        do { _ = try TFLiteImporter.model(bytes: mutated, spec: spec, path: "m.tflite") } catch { refused += 1 }
    }
    #expect(refused >= 120, "every truncation is refused, got \(refused) refusals")
}
