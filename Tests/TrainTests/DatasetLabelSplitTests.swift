import Foundation
import Testing
@testable import Dataset

/// Label modes on hand-checkable vote rows, and the usage / seeded random splits.
struct DatasetLabelSplitTests {
    typealias F = DatasetFixtures

    /// (votes in file order neutral..NF, majority, argmax) where nil means dropped for the reason given.
    struct VoteCase: CustomTestStringConvertible, Sendable {
        var votes: [Int]
        var majority: Result
        var argmax: Result
        enum Result: Equatable, Sendable { case keep(Emotion), drop(DropReason) }
        var testDescription: String { "\(votes)" }
    }

    static let voteCases: [VoteCase] = [
        // Single votes are noise in majority mode: 5 of the 8 remaining (the 1s dropped) is a majority.
        VoteCase(votes: [5, 1, 1, 0, 3, 0, 0, 0, 0, 0], majority: .keep(.neutral), argmax: .keep(.neutral)),
        // Exactly half is not more than half.
        VoteCase(votes: [4, 0, 0, 0, 4, 0, 0, 0, 0, 0], majority: .drop(.noMajority), argmax: .keep(.neutral)),
        // Ties go to the earlier column in file order (surprise before sadness).
        VoteCase(votes: [0, 0, 3, 3, 0, 0, 0, 0, 2, 2], majority: .drop(.noMajority), argmax: .keep(.surprise)),
        // Unknown and NF votes count in the total.
        VoteCase(votes: [0, 6, 0, 0, 0, 0, 0, 0, 5, 0], majority: .keep(.happiness), argmax: .keep(.happiness)),
        VoteCase(votes: [0, 5, 0, 0, 0, 0, 0, 0, 5, 0], majority: .drop(.noMajority), argmax: .keep(.happiness)),
        VoteCase(votes: [2, 0, 0, 0, 0, 0, 0, 0, 7, 1], majority: .drop(.unknownWins), argmax: .drop(.unknownWins)),
        VoteCase(votes: [0, 0, 0, 0, 0, 0, 0, 0, 1, 9], majority: .drop(.notFaceWins), argmax: .drop(.notFaceWins)),
        // Only single votes: nothing left after the noise rule.
        VoteCase(votes: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1], majority: .drop(.noMajority), argmax: .keep(.neutral)),
        VoteCase(votes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0], majority: .drop(.noMajority), argmax: .drop(.noVotes)),
        // Each emotion column maps to its class index.
        VoteCase(votes: [0, 0, 0, 0, 0, 0, 0, 10, 0, 0], majority: .keep(.contempt), argmax: .keep(.contempt)),
        VoteCase(votes: [0, 0, 0, 0, 0, 9, 0, 0, 0, 0], majority: .keep(.disgust), argmax: .keep(.disgust)),
        VoteCase(votes: [0, 0, 0, 0, 0, 0, 9, 0, 0, 0], majority: .keep(.fear), argmax: .keep(.fear)),
        VoteCase(votes: [0, 0, 0, 0, 9, 0, 0, 0, 0, 0], majority: .keep(.anger), argmax: .keep(.anger)),
        VoteCase(votes: [0, 0, 0, 9, 0, 0, 0, 0, 0, 0], majority: .keep(.sadness), argmax: .keep(.sadness)),
    ]

    @Test(arguments: voteCases)
    func labelModes(_ c: VoteCase) {
        func result(_ d: LabelDecision) -> VoteCase.Result {
            switch d {
            case .keep(let e, _): .keep(e)
            case .drop(let r): .drop(r)
            }
        }
        #expect(result(LabelMode.majority.decide(votes: c.votes, isFace: true)) == c.majority)
        #expect(result(LabelMode.argmax.decide(votes: c.votes, isFace: true)) == c.argmax)
        // Distribution keeps exactly the argmax rows, with the same label.
        #expect(result(LabelMode.distribution.decide(votes: c.votes, isFace: true)) == c.argmax)
        #expect(LabelMode.argmax.decide(votes: c.votes, isFace: false) == .drop(.notAFace))
    }

    @Test func distributionTargetsAreEmotionShares() throws {
        guard case .keep(let e, let soft?) = LabelMode.distribution.decide(votes: [2, 3, 0, 0, 1, 0, 0, 0, 2, 0], isFace: true) else {
            Issue.record("expected a kept row with soft targets")
            return
        }
        // unknown's 2 votes are not an emotion: the shares are over the 6 emotion votes.
        #expect(e == .happiness)
        #expect(soft == [Float(1) / 6, 0, 0, 0, Float(3) / 6, Float(2) / 6, 0, 0])
    }

    /// A dataset with `perClass[c]` images of class c, usages cycling Training, Training, PublicTest, PrivateTest.
    static func syntheticDataset(perClass: [Int]) -> FERDataset {
        var d = FERDataset()
        var row = 0
        for (c, n) in perClass.enumerated() {
            for _ in 0..<n {
                let usage: Usage = [.training, .training, .publicTest, .privateTest][row % 4]
                F.pixels(row).withUnsafeBufferPointer { d.append(pixels: $0, label: Emotion(rawValue: c)!, usage: usage, sourceRow: row) }
                row += 1
            }
        }
        return d
    }

    @Test func usageSplitFollowsTheUsageColumn() throws {
        let d = Self.syntheticDataset(perClass: [10, 3, 5, 7, 40, 33, 9, 11])
        let s = try d.split(.usage)
        #expect(s.train.usages.allSatisfy { $0 == .training })
        #expect(s.validation.usages.allSatisfy { $0 == .publicTest })
        #expect(s.test.usages.allSatisfy { $0 == .privateTest })
        #expect(s.train.count + s.validation.count + s.test.count == d.count)
        #expect(Set(s.train.sourceRows + s.validation.sourceRows + s.test.sourceRows).count == d.count)
    }

    @Test func randomSplitIsStratifiedSeededAndKeepsPrivateTestOut() throws {
        let d = Self.syntheticDataset(perClass: [100, 7, 13, 50, 400, 333, 91, 88])
        let a = try d.split(.random(trainFraction: 0.8), seed: 42)
        let b = try d.split(.random(trainFraction: 0.8), seed: 42)
        let other = try d.split(.random(trainFraction: 0.8), seed: 43)
        #expect(a.train == b.train && a.validation == b.validation)
        #expect(a.train.sourceRows != other.train.sourceRows)
        let pooled = zip(d.labels, d.usages).filter { $0.1 != .privateTest }
        for c in 0..<8 {
            let n = pooled.filter { Int($0.0) == c }.count
            #expect(a.train.classCounts[c] == Int((Double(n) * 0.8).rounded()), "class \(c)")
            #expect(a.train.classCounts[c] + a.validation.classCounts[c] == n)
        }
        #expect(a.test.usages.allSatisfy { $0 == .privateTest } && a.test.count == d.usages.filter { $0 == .privateTest }.count)
        #expect(Set(a.train.sourceRows).isDisjoint(with: a.validation.sourceRows))
        // Pixels travel with their rows.
        for i in [0, 17, a.train.count - 1] { #expect(Array(a.train.pixels(at: i)) == F.pixels(Int(a.train.sourceRows[i]))) }
    }

    @Test func splitArgumentsParse() {
        #expect(SplitRule(argument: "usage") == .usage)
        #expect(SplitRule(argument: "random:0.8") == .random(trainFraction: 0.8))
        #expect(SplitRule(argument: "random:1") == nil)
        #expect(SplitRule(argument: "random:") == nil)
        #expect(SplitRule(argument: "byclass") == nil)
    }

    @Test func seededRandomIsTheReferenceXoshiro() {
        // xoshiro256** from state (1, 2, 3, 4): the first outputs of Vigna's reference C code,
        // 11520, 0, 1509978240, 1215971899390074240 (seeded directly, bypassing SplitMix64).
        var r = SeededRandom(state: (1, 2, 3, 4))
        #expect([r.next(), r.next(), r.next(), r.next()] == [11520, 0, 1_509_978_240, 1_215_971_899_390_074_240])
        // SplitMix64 from seed 1234567: Vigna's splitmix64.c gives 6457827717110365317 first.
        var s = SplitMix64(seed: 1_234_567)
        #expect(s.next() == 6_457_827_717_110_365_317)
        var u = SeededRandom(seed: 9)
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0..<7000 { counts[u.below(7)] += 1 }
        #expect(counts.allSatisfy { $0 > 850 && $0 < 1150 })
    }
}
