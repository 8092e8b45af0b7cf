import Foundation
import Testing
@testable import Train

@Test func trainBalancedSamplerDrawsClassesInProportionToCountToThePowerOneMinusP() throws {
    // 900 images of class 0, 100 of class 1, none of class 2.
    let labels = [Int](repeating: 0, count: 900) + [Int](repeating: 1, count: 100)
    for (power, expected) in [(1.0, 0.5), (0.5, 10.0 / (30.0 + 10.0))] as [(Float, Double)] {
        let sampler = ClassBalancedSampler(power: power)
        let shares = sampler.classShares(counts: [900, 100, 0])
        #expect(abs(shares[1] - expected) < 1e-12 && shares[2] == 0)
        var random = TrainRandom(seed: 4)
        var ones = 0, total = 0
        for _ in 0..<20 {
            let order = sampler.order(labels: labels, classCount: 3, random: &random)
            #expect(order.count == labels.count)
            #expect(order.allSatisfy { $0 >= 0 && $0 < labels.count })
            ones += order.filter { labels[$0] == 1 }.count
            total += order.count
        }
        // 20,000 draws: the binomial standard deviation of the share is under 0.004.
        #expect(abs(Double(ones) / Double(total) - expected) < 0.02, "power \(power)")
    }
    // Seeded: the same stream gives the same epoch.
    var a = TrainRandom(seed: 9), b = TrainRandom(seed: 9)
    #expect(ClassBalancedSampler(power: 1).order(labels: labels, classCount: 3, random: &a)
            == ClassBalancedSampler(power: 1).order(labels: labels, classCount: 3, random: &b))
}

@Test func trainEpochUsesTheSamplerAndKeepsTheEpochSize() throws {
    let data = quadrantData(count: 64, seed: 2)
    var config = TrainConfig()
    config.batchSize = 16
    config.loss = .crossEntropy
    config.sampler = ClassBalancedSampler(power: 1)
    let trainer = Trainer(model: try Model(spec: try ModelSpec(parsing: tinySpec), seed: 5, threads: 1), config: config)
    var state = trainer.random
    let expected = ClassBalancedSampler(power: 1).order(labels: (0..<data.count).map(data.label), classCount: data.classCount,
                                                        random: &state)
    #expect(Set(expected).count < data.count, "draws with replacement repeat some images")
    let summary = trainer.trainEpoch(data)
    #expect(summary.epoch == 1 && trainer.random == state)
    #expect(summary.imagesPerSecond > 0 && summary.loss.isFinite)
    // Without a sampler the epoch is a permutation of every index.
    let plain = try tinyTrainer()
    #expect(plain.epochOrder(data).sorted() == Array(0..<data.count))
}
