import Foundation
import Testing
@testable import Train

@Test func trainCheckpointAverageIsTheMeanOfWeightsAndBNStatistics() throws {
    let trainer = try tinyTrainer()
    let data = quadrantData(count: 40, seed: 8)
    _ = trainer.trainEpoch(data)
    let first = Checkpoint(trainer: trainer)
    _ = trainer.trainEpoch(data)
    let second = Checkpoint(trainer: trainer)
    let mean = try Checkpoint.averaged([first, second], paths: ["a", "b"])
    #expect(mean.epoch == 2 && mean.specText == second.specText)
    // Optimizer state is dropped: the average is for export, not for resuming.
    #expect(!mean.tensors.contains { $0.name.hasSuffix("/adam_m") || $0.name.hasSuffix("/adam_v") })
    let kept = first.tensors.filter { !$0.name.hasSuffix("/adam_m") && !$0.name.hasSuffix("/adam_v") }
    #expect(mean.tensors.map(\.name) == kept.map(\.name))
    #expect(mean.tensors.contains { $0.name.hasSuffix("/moving_variance") })
    var changed = 0
    for (i, t) in mean.tensors.enumerated() {
        for j in t.values.indices {
            let expected = (Double(first.tensors[i].values[j]) + Double(second.tensors[i].values[j])) / 2
            #expect(abs(Double(t.values[j]) - expected) <= 1e-6 * max(1, abs(expected)))
            if first.tensors[i].values[j] != second.tensors[i].values[j] { changed += 1 }
        }
    }
    #expect(changed > 0, "the second epoch must have moved some weights for this test to mean anything")
    // It loads as a model (export path) and refuses to resume training.
    let model = try mean.makeModel(threads: 1, path: "mean.ckpt")
    #expect(model.parameters.count == trainer.model.parameters.count)
    #expect(throws: CheckpointError.self) { try mean.restore(try tinyTrainer(), path: "mean.ckpt") }
    // Round trip through the file format.
    let decoded = try Checkpoint(decoding: mean.encoded(), path: "mean.ckpt")
    #expect(decoded.tensors.map(\.values) == mean.tensors.map(\.values))
}

@Test func trainCheckpointAverageRefusesMixedModels() throws {
    let a = Checkpoint(trainer: try tinyTrainer())
    var config = TrainConfig()
    config.batchSize = 4
    let other = Checkpoint(trainer: Trainer(model: try Model(spec: try ModelSpec(parsing: "input 2 2 1\nflatten\ndense 2 softmax\n"), seed: 1),
                                            config: config))
    #expect(throws: CheckpointError.badValue(path: "x.ckpt", field: "model spec", reason: "differs from the last checkpoint's")) {
        try Checkpoint.averaged([other, a], paths: ["x.ckpt", "a.ckpt"])
    }
    #expect(throws: CheckpointError.self) { try Checkpoint.averaged([], paths: []) }
}
