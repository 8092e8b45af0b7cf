import Foundation
import Quantize
import TFLiteModel
import Testing
@testable import Train

// Quantization-aware training: the float model with activation grids must simulate the int8
// export, and training steps must keep float kernels while computing with rounded ones.

private func argmaxes(_ p: [Float], classes: Int) -> [Int] {
    stride(from: 0, to: p.count, by: classes).map { r in (0..<classes).max { p[r + $0] < p[r + $1] }! }
}

@Test func activationGridsSimulateTheInt8Export() throws {
    let model = try trainedExportModel()
    let calibration = bandImages(count: 64, seed: 21)
    let export = try calibration.images.withUnsafeBufferPointer {
        try Quantizer.export(model, calibration: $0, count: 64, labels: exportLabels)
    }
    let grids = try calibration.images.withUnsafeBufferPointer { try Quantizer.activationGrids(model, calibration: $0, count: 64) }
    // Every exported activation the trainer has a layer output for: conv, BN, conv+BN+ReLU, pool,
    // conv, BN, pool, reshape, dense; not the logits (fused with softmax) nor the probabilities.
    #expect(grids.keys.sorted() == [0, 1, 4, 5, 6, 7, 8, 9, 10])
    #expect(grids[5] == grids[4] && grids[9] == grids[8], "pool and reshape keep their input's grid")
    // Inputs on the int8 input grid (pixel / 255), as camera frames are.
    var test = bandImages(count: 48, seed: 99)
    test.images = test.images.map { ($0 * 255).rounded() / 255 }
    let int8 = try test.images.withUnsafeBufferPointer { try Int8Classifier(bytes: export.bytes).scores($0, count: 48) }
    let float = model.predict(test.images, count: 48)
    model.activationGrids = grids
    for case let conv as Conv2DLayer in model.layers {
        fakeQuantizeKernel(conv.kernel.value.pointer, count: conv.kernel.count, channels: conv.outputShape.channels)
    }
    for case let dense as DenseLayer in model.layers {
        fakeQuantizeKernel(dense.kernel.value.pointer, count: dense.kernel.count, channels: dense.outputShape.channels)
    }
    let simulated = model.predict(test.images, count: 48)
    func meanDifference(_ a: [Float]) -> Float { zip(a, int8).map { abs($0 - $1) }.reduce(0, +) / Float(a.count) }
    let plain = meanDifference(float), sim = meanDifference(simulated)
    // The rest is the engine's fixed-point requantization and its 1/256 probabilities.
    #expect(sim < plain * 0.9, "mean |p - p_int8|: simulated \(sim), float \(plain)")
    #expect(argmaxes(simulated, classes: 3) == argmaxes(int8, classes: 3))
}

@Test func quantizationAwareStepsKeepFloatKernels() throws {
    let model = try trainedExportModel()
    let calibration = bandImages(count: 64, seed: 21)
    model.activationGrids = try calibration.images.withUnsafeBufferPointer {
        try Quantizer.activationGrids(model, calibration: $0, count: 64)
    }
    var config = bandTrainConfig(epochs: 1, seed: 4, learningRate: 1e-3)
    config.fakeQuantizedKernels = true
    let trainer = Trainer(model: model, config: config)
    let kernel = (model.layers[0] as! Conv2DLayer).kernel
    let before = kernel.value.array()
    let data = bandImages(count: 192, seed: 3)
    _ = trainer.trainEpoch(InMemorySource(sampleShape: model.inputShape, classCount: 3, images: data.images, labels: data.labels))
    let after = kernel.value.array()
    #expect(after != before, "training moved the kernel")
    // Float kernels survive the step: channel 0's values are not all on its int8 grid.
    let channel0 = stride(from: 0, to: after.count, by: 6).map { after[$0] }
    let scale = channel0.map(abs).max()! / 127
    #expect(channel0.contains { abs(($0 / scale).rounded() * scale - $0) > scale * 0.01 })
    let test = bandImages(count: 48, seed: 99)
    let correct = zip(argmaxes(model.predict(test.images, count: 48), classes: 3), test.labels).filter { $0 == $1 }.count
    #expect(correct >= 44, "simulated-int8 model classifies \(correct) of 48 bands")
}

@Test func roundingKernelsFirstExportsTheSameInt8Model() throws {
    let model = try trainedExportModel()
    let calibration = bandImages(count: 64, seed: 21)
    func export() throws -> [UInt8] {
        try calibration.images.withUnsafeBufferPointer {
            try Quantizer.export(model, calibration: $0, count: 64, labels: exportLabels).bytes
        }
    }
    let fromFloat = try export()
    let saved = model.roundKernelsToInt8()
    #expect(saved.count == 5)
    let fromRounded = try export()
    // Same bytes except through calibration: rounded kernels move the calibrated ranges a little,
    // so compare the kernels' int8 values only.
    let kernels = { (bytes: [UInt8]) throws -> [[UInt8]] in
        let m = try TFLiteModel.Model(bytes: bytes)
        return m.subgraphs[0].tensors.filter { $0.name.hasSuffix("/kernel") }.map { m.buffers[Int($0.buffer)].data }
    }
    #expect(try kernels(fromRounded) == kernels(fromFloat))
    model.restoreKernels(saved)
    #expect(try export() == fromFloat)
}
