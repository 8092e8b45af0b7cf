import Foundation
import Testing
@testable import Dataset

/// Materialised oversampling: counts, the variant recipe, seeding.
struct DatasetOversampleTests {
    typealias F = DatasetFixtures

    static let data: FERDataset = DatasetLabelSplitTests.syntheticDataset(perClass: [3, 1, 2, 0, 4, 2, 1, 1])

    @Test func countsAreMultipliedPerClass() throws {
        let m = [2, 7, 0, 5, 1, 3, 4, 1]
        let out = try Oversampler.oversample(Self.data, multipliers: m, seed: 1)
        #expect(out.classCounts == zip(Self.data.classCounts, m).map { $0 * $1 })
        #expect(out.usages.count == out.count && out.sourceRows.count == out.count && out.images.count == out.count * 2304)
    }

    @Test func eachImageGetsOriginalContrastSharpnessThenAugmentedCopies() throws {
        let out = try Oversampler.oversample(Self.data, multipliers: [Int](repeating: 5, count: 8), seed: 3)
        for i in 0..<Self.data.count {
            let src = Array(Self.data.pixels(at: i))
            var contrast = src, sharp = src, scratch = src
            src.withUnsafeBufferPointer { s in
                contrast.withUnsafeMutableBufferPointer { ImageEnhance.contrast(s, factor: 1.5, into: $0) }
                sharp.withUnsafeMutableBufferPointer { o in
                    scratch.withUnsafeMutableBufferPointer { ImageEnhance.sharpness(s, width: 48, height: 48, factor: 1.75, into: o, scratch: $0) }
                }
            }
            let copies = (0..<out.count).filter { out.sourceRows[$0] == Self.data.sourceRows[i] }
            #expect(copies.count == 5)
            #expect(copies.allSatisfy { out.labels[$0] == Self.data.labels[i] && out.usages[$0] == Self.data.usages[i] })
            let images = copies.map { Array(out.pixels(at: $0)) }
            #expect(images.filter { $0 == src }.count == 1)
            #expect(images.contains(contrast) && images.contains(sharp))
            // The two augmented copies differ from each other and from the three above.
            #expect(Set(images).count == 5)
        }
    }

    @Test func seededShuffle() throws {
        let m = [3, 3, 3, 3, 3, 3, 3, 3]
        let a = try Oversampler.oversample(Self.data, multipliers: m, seed: 10)
        let b = try Oversampler.oversample(Self.data, multipliers: m, seed: 10)
        let c = try Oversampler.oversample(Self.data, multipliers: m, seed: 11)
        #expect(a == b)
        #expect(a.sourceRows != c.sourceRows)
        #expect(a.sourceRows != a.sourceRows.sorted())
        #expect(a.sourceRows.sorted() == c.sourceRows.sorted())
    }

    @Test func softTargetsTravelWithTheirImages() throws {
        var d = FERDataset(withSoftTargets: true)
        for i in 0..<4 {
            let soft: [Float] = (0..<8).map { $0 == i ? 1 : 0 }
            F.pixels(i).withUnsafeBufferPointer { px in
                soft.withUnsafeBufferPointer { d.append(pixels: px, label: Emotion(rawValue: i)!, soft: $0, usage: .training, sourceRow: i) }
            }
        }
        let out = try Oversampler.oversample(d, multipliers: [2, 4, 1, 3, 0, 0, 0, 0], seed: 0)
        let soft = try #require(out.softTargets)
        for k in 0..<out.count { #expect(soft[k * 8 + Int(out.labels[k])] == 1 && Int(out.sourceRows[k]) == Int(out.labels[k])) }
    }

    @Test func multiplierChoices() {
        #expect(Oversampler.referenceMultipliers == [9, 96, 96, 36, 3, 3, 6, 6])
        #expect(Oversampler.balancedMultipliers(counts: [100, 10, 0, 33, 250, 1]) == [3, 25, 0, 8, 1, 100])
        #expect(Oversampler.multipliers(argument: "reference", counts: []) == Oversampler.referenceMultipliers)
        #expect(Oversampler.multipliers(argument: "1,2,3,4,5,6,7,8", counts: []) == [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(Oversampler.multipliers(argument: "1,2,3", counts: []) == nil)
        #expect(Oversampler.multipliers(argument: "1,2,3,4,5,6,7,-8", counts: []) == nil)
        #expect(throws: DatasetError.self) { try Oversampler.oversample(Self.data, multipliers: [1, 2], seed: 0) }
    }
}
