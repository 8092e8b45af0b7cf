import Dataset

/// FER-2013/FERPlus images as a `TrainingSource`: 48x48 bytes rendered (resized to the model's
/// input side, augmented for training) by the Dataset module's `BatchAugmenter`; targets are
/// one-hot labels or, for `distribution` labels, vote proportions.
public struct FERSource: TrainingSource {
    public let dataset: FERDataset
    public let augmenter: BatchAugmenter

    public init(_ dataset: FERDataset, side: Int, augmentation: AugmentationConfig = .reference, seed: UInt64) {
        self.dataset = dataset
        augmenter = BatchAugmenter(config: augmentation, outputSide: side, seed: seed)
    }

    public var count: Int { dataset.count }
    public var sampleShape: Shape3 { Shape3(augmenter.outputSide, augmenter.outputSide, 1) }
    public var classCount: Int { Emotion.count }
    public func label(_ i: Int) -> Int { Int(dataset.labels[i]) }

    public func fill(images: UnsafeMutablePointer<Float>, targets: UnsafeMutablePointer<Float>, indices: ArraySlice<Int>,
                     augment: Bool, epoch: Int, random: inout TrainRandom) {
        let n = indices.count
        indices.withContiguousStorageIfAvailable { idx in
            augmenter.fill(UnsafeMutableBufferPointer(start: images, count: n * sampleShape.count), from: dataset,
                           indices: idx, epoch: epoch, augment: augment)
            BatchAugmenter.fillTargets(UnsafeMutableBufferPointer(start: targets, count: n * classCount), from: dataset,
                                       indices: idx)
        } ?? {
            let copy = Array(indices)
            copy.withUnsafeBufferPointer { idx in
                augmenter.fill(UnsafeMutableBufferPointer(start: images, count: n * sampleShape.count), from: dataset,
                               indices: idx, epoch: epoch, augment: augment)
                BatchAugmenter.fillTargets(UnsafeMutableBufferPointer(start: targets, count: n * classCount), from: dataset,
                                           indices: idx)
            }
        }()
    }
}
