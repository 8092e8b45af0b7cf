import Foundation
import Testing
@testable import Train

// One training step of a tiny model against TensorFlow/Keras (Golden/make_keras_golden.py wrote the
// files; no Python runs at test time). The model has conv 3x3 + ReLU, BN, conv 1x1, max-pool,
// flatten, dense ReLU and a softmax head, so every trained layer kind is in the chain.
//
// Tolerance policy: both sides compute in Float32 but in different orders (oneDNN vs im2col+sgemm,
// Welford-style vs two-pass Double moments), so agreement is to rounding amplified by depth:
//   forward (probs, loss, BN statistics):  |ours - keras| <= 2e-5 * max|keras| + 1e-6
//   gradients, per tensor:                 |ours - keras| <= 1e-4 * max|keras tensor| + 1e-6
// (measured with GOLDEN_VERBOSE=1: worst 2e-6 relative for gradients, 8e-7 absolute for probs).
//   weights after Adam:                    |ours - keras| <= 1e-5 * max(|w|, 1) + 2e-6
// The Adam bound is tighter than lr = 1e-3 (the size of one step), so a wrong step would fail; a
// gradient off by a sign or a factor fails the gradient bound by orders of magnitude.

struct KerasStep: Decodable {
    var generator: String
    var spec: String
    var batch: Int
    var x: [Float]
    var y: [Float]
    var weights: [[Float]]
    var weight_names: [String]
    var state_before: [[Float]]
    var probs: [Float]
    var loss: Float
    var gradients: [[Float]]
    var state_after: [[Float]]
    var weights_after_adam: [[Float]]
}

func goldenURL(_ name: String) -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden/\(name)")
}

/// The largest |a - b| - bound over two arrays, with the first offending index.
func expectClose(_ ours: [Float], _ keras: [Float], relative: Float, absolute: Float, _ what: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(ours.count == keras.count, "\(what): \(ours.count) vs \(keras.count) values", sourceLocation: sourceLocation)
    let scale = keras.map { abs($0) }.max() ?? 0
    let bound = relative * scale + absolute
    if ProcessInfo.processInfo.environment["GOLDEN_VERBOSE"] != nil {
        let worst = zip(ours, keras).map { abs($0 - $1) }.max() ?? 0
        print("\(what): max diff \(worst), bound \(bound)")
    }
    let bad = zip(ours, keras).enumerated().first { abs($0.element.0 - $0.element.1) > bound }
    #expect(bad == nil, "\(what): first difference at [\(bad?.offset ?? -1)] ours \(bad?.element.0 ?? 0) keras \(bad?.element.1 ?? 0), bound \(bound)",
            sourceLocation: sourceLocation)
}

@Test(arguments: ["focal", "crossentropy"])
func trainMatchesKerasOneStep(_ lossName: String) throws {
    let data = try Data(contentsOf: goldenURL("keras_step_\(lossName).json"))
    let golden = try JSONDecoder().decode(KerasStep.self, from: data)
    let spec = try ModelSpec(parsing: golden.spec, source: "golden spec")
    let model = try Model(spec: spec, seed: 0, threads: 2)
    let params = model.parameters
    try #require(params.count == golden.weights.count, "parameter tensors: ours \(params.count), keras \(golden.weights.count)")
    for (p, w) in zip(params, golden.weights) {
        try #require(p.count == w.count, "\(p.name): \(p.count) vs \(w.count)")
        for i in 0..<w.count { p.value[i] = w[i] }
    }
    let state = model.stateBuffers
    try #require(state.count == golden.state_before.count)
    for (s, v) in zip(state, golden.state_before) { for i in 0..<v.count { s[i] = v[i] } }

    let n = golden.batch, classes = model.outputShape.count
    let loss: LossFunction = lossName == "focal" ? .focal(.reference) : .crossEntropy
    model.zeroGradients()
    let probs = golden.x.withUnsafeBufferPointer { model.forward($0.baseAddress!, n: n, training: true) }
    let ourProbs = Array(UnsafeBufferPointer(start: probs, count: n * classes))
    expectClose(ourProbs, golden.probs, relative: 2e-5, absolute: 1e-6, "probabilities")
    let value = loss.evaluate(model.outputGradient, probs, golden.y, n, classes)
    #expect(abs(value - golden.loss) <= 2e-5 * abs(golden.loss) + 1e-6, "loss ours \(value) keras \(golden.loss)")
    model.backward(n: n)
    for (k, p) in params.enumerated() {
        expectClose(p.gradient.array(), golden.gradients[k], relative: 1e-4, absolute: 1e-6,
                    "gradient of \(golden.weight_names[k])")
    }
    for (k, s) in state.enumerated() {
        expectClose(s.array(), golden.state_after[k], relative: 2e-5, absolute: 1e-6, "BN state \(k)")
    }
    let adam = Adam(parameters: params)
    adam.update(params, learningRate: 1e-3)
    for (k, p) in params.enumerated() {
        expectClose(p.value.array(), golden.weights_after_adam[k], relative: 1e-5,
                    absolute: 2e-6, "weights after Adam: \(golden.weight_names[k])")
    }
}
