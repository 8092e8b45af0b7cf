/// Materialised oversampling, the reference recipe: each image of class c appears `multipliers[c]`
/// times: the original, then a contrast-enhanced copy (`ImageEnhance.Contrast`, factor 1.5), then
/// a sharpened copy (`ImageEnhance.Sharpness`, factor 1.75), then randomly augmented copies
/// (`AugmentationConfig`, rendered at 48x48 and rounded to bytes). The result is shuffled.
public enum Oversampler {
    public static let contrastFactor: Float = 1.5
    public static let sharpnessFactor: Float = 1.75

    /// The reference project's measured multipliers, in `Emotion` order: anger ×9, contempt ×96,
    /// disgust ×96, fear ×36, happiness ×3, neutral ×3, sadness ×6, surprise ×6.
    public static let referenceMultipliers = [9, 96, 96, 36, 3, 3, 6, 6]

    /// Multipliers that bring every class near the largest: round(max / count), at least 1 (0 for an
    /// empty class), capped at `cap`.
    public static func balancedMultipliers(counts: [Int], cap: Int = 100) -> [Int] {
        let top = counts.max() ?? 0
        return counts.map { n in n == 0 ? 0 : min(cap, max(1, Int((Double(top) / Double(n)).rounded()))) }
    }

    /// Parses `reference`, `balance` (computed from `counts`) or eight comma-separated integers.
    public static func multipliers(argument: String, counts: [Int]) -> [Int]? {
        switch argument {
        case "reference": return referenceMultipliers
        case "balance": return balancedMultipliers(counts: counts)
        default:
            let parts = argument.split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
            guard parts.count == Emotion.count, parts.allSatisfy({ ($0 ?? -1) >= 0 && $0! <= 10_000 }) else { return nil }
            return parts.map { $0! }
        }
    }

    /// Oversamples `dataset` by `multipliers` (one per class, 0 drops the class), seeded.
    public static func oversample(_ dataset: FERDataset, multipliers: [Int], augmentation: AugmentationConfig = .reference,
                                  seed: UInt64) throws(DatasetError) -> FERDataset {
        guard multipliers.count == Emotion.count, multipliers.allSatisfy({ $0 >= 0 }) else {
            throw DatasetError(.argument, file: "oversampling", expected: "8 non-negative multipliers", found: "\(multipliers)")
        }
        let total = (0..<dataset.count).reduce(0) { $0 + multipliers[Int(dataset.labels[$1])] }
        // Generated item g (image i's variants in order, images in order) lands in slot slots[g]:
        // a seeded permutation, so the result is shuffled without a second copy.
        var slots = Array(0..<total)
        var rng = SeededRandom(seed: seed, stream: 0x4F56_4552, index: 0)  // "OVER"
        rng.shuffle(&slots)
        var out = FERDataset(blankCount: total, withSoftTargets: dataset.hasSoftTargets)
        let n = FERDataset.pixelsPerImage
        var variant = [UInt8](repeating: 0, count: n)
        var scratch = [UInt8](repeating: 0, count: n)
        var rendered = [Float](repeating: 0, count: n)
        var g = 0
        dataset.images.withUnsafeBufferPointer { all in
            for i in 0..<dataset.count {
                let src = UnsafeBufferPointer(rebasing: all[i * n..<(i + 1) * n])
                for k in 0..<multipliers[Int(dataset.labels[i])] {
                    variant.withUnsafeMutableBufferPointer { v in
                        makeVariant(k, of: src, index: i, augmentation: augmentation, seed: seed, into: v, scratch: &scratch, rendered: &rendered)
                    }
                    variant.withUnsafeBufferPointer { out.set(slots[g], pixels: $0, metadataOf: dataset, at: i) }
                    g += 1
                }
            }
        }
        return out
    }

    /// Variant `k` of one image: 0 the original, 1 contrast, 2 sharpness, 3+ random augmentation
    /// drawn from (seed, k, index) so each variant is reproducible on its own.
    static func makeVariant(_ k: Int, of src: UnsafeBufferPointer<UInt8>, index: Int, augmentation: AugmentationConfig, seed: UInt64,
                            into out: UnsafeMutableBufferPointer<UInt8>, scratch: inout [UInt8], rendered: inout [Float]) {
        switch k {
        case 0:
            _ = out.initialize(fromContentsOf: src)
        case 1:
            ImageEnhance.contrast(src, factor: contrastFactor, into: out)
        case 2:
            scratch.withUnsafeMutableBufferPointer {
                ImageEnhance.sharpness(src, width: FERDataset.side, height: FERDataset.side, factor: sharpnessFactor, into: out, scratch: $0)
            }
        default:
            var r = SeededRandom(seed: seed, stream: UInt64(k), index: UInt64(index))
            let p = AugmentationParameters.random(augmentation, using: &r)
            rendered.withUnsafeMutableBufferPointer {
                AugmentRenderer.render(src, inSide: FERDataset.side, parameters: p, fill: augmentation.fillValue,
                                       outSide: FERDataset.side, outputScale: 1, into: $0)
            }
            for j in 0..<out.count { out[j] = UInt8(rendered[j].rounded(.toNearestOrEven)) }
        }
    }
}
