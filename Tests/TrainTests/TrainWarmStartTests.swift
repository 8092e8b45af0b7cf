import Foundation
import Testing
@testable import Train

@Test func trainWarmStartCopiesWeightsAndLeavesTheOptimizerFresh() throws {
    let (trained, data) = try trainedTinyTrainer(count: 40)
    let saved = Checkpoint(trainer: trained)
    // A trainer with another seed starts elsewhere; the warm start must overwrite all of it.
    let fresh = try tinyTrainer(seed: 9)
    #expect(weights(fresh) != weights(trained))
    try saved.warmStart(fresh, path: "saved.ckpt")
    #expect(weights(fresh) == weights(trained))
    #expect(fresh.epoch == 0 && fresh.optimizer.step == 0)
    #expect(fresh.optimizer.m.allSatisfy { $0.array().allSatisfy { $0 == 0 } })
    // It trains on from there with its own schedule, starting at epoch 1.
    let summary = fresh.trainEpoch(data)
    #expect(summary.epoch == 1 && summary.learningRate == fresh.config.schedule.rate(epoch: 0))
    #expect(weights(fresh) != weights(trained))
    // Averaged checkpoints (no optimizer state) are valid warm-start sources too.
    let mean = try Checkpoint.averaged([saved, Checkpoint(trainer: trained)], paths: ["a", "b"])
    try mean.warmStart(try tinyTrainer(seed: 3), path: "mean.ckpt")
}
