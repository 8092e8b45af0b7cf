import Foundation
import Testing
@testable import Train

private let widerSpec = "input 8 8 1\nconv 6 3 relu\nbn\nmaxpool 2\nconv 12 3 relu\nbn\nmaxpool 2\nflatten\ndense 24 relu\ndropout 0.3\ndense 4 softmax\n"

@Test func trainWidenKeepsTheOutputsAndTheNewUnitsLearn() throws {
    let (trained, data) = try trainedTinyTrainer(count: 64)
    let saved = Checkpoint(trainer: trained)
    let grown = try saved.widened(to: try ModelSpec(parsing: widerSpec), seed: 3, path: "narrow.ckpt")
    #expect(grown.epoch == 0 && grown.adamStep == 0)
    #expect(!grown.tensors.contains { $0.name.hasSuffix("/adam_m") })

    // Same predictions (inference mode) from the narrow and the widened model.
    let narrow = try saved.makeModel(threads: 1), wide = try grown.makeModel(threads: 1)
    #expect(wide.parameterCount > narrow.parameterCount)
    let worst = largestPredictionDifference(narrow, wide, on: data)
    #expect(worst < 1e-5, "largest probability difference \(worst)")

    // Training on from it (the `--init-from` path) moves the new units' zero outgoing weights.
    let next = try warmStartedTrainer(grown, spec: widerSpec, config: trained.config)
    let conv2 = next.model.layers.compactMap { $0 as? Conv2DLayer }[1]
    let fromNewChannel = { (0..<9).map { tap in conv2.kernel.value[(tap * 6 + 5) * 12 + 0] } }  // input 5 (new) -> output 0 (old)
    #expect(fromNewChannel().allSatisfy { $0 == 0 })
    let summary = next.trainEpoch(data)
    #expect(summary.loss.isFinite)
    #expect(fromNewChannel().contains { $0 != 0 })
}

@Test(arguments: [
    ("conv 2 3 relu", "layer 1 (`conv 2 3 relu`)"),            // narrower
    ("conv 6 5 relu", "layer 1 (`conv 6 5 relu`)"),  // another kernel size
    ("dense 6 softmax", "layer 10 (`dense 6 softmax`)"),                          // more output classes
])
func trainWidenRefusesSpecsThatAreNotWider(_ change: String, _ named: String) throws {
    let saved = Checkpoint(trainer: try tinyTrainer(seed: 5))
    var lines = widerSpec.split(separator: "\n").map(String.init)
    let keyword = change.split(separator: " ")[0]
    let index = keyword == "dense" ? lines.lastIndex { $0.hasPrefix("dense") }! : lines.firstIndex { $0.hasPrefix(keyword) }!
    lines[index] = change
    let spec = try ModelSpec(parsing: lines.joined(separator: "\n"))
    #expect {
        _ = try saved.widened(to: spec, seed: 1, path: "narrow.ckpt")
    } throws: { error in
        let text = "\(error)"
        return text.hasPrefix("narrow.ckpt: \(named)") && text.contains("wider spec")
    }
    // Another layer list is refused before any weight is copied.
    let deeper = try ModelSpec(parsing: widerSpec + "relu\n")
    #expect(throws: CheckpointError.badValue(path: "narrow.ckpt", field: "layers",
                                            reason: "the wider spec has 11 layers, the checkpoint 10")) {
        _ = try saved.widened(to: deeper, seed: 1, path: "narrow.ckpt")
    }
}
