/// Where training and validation samples come from: images (H, W, C) in [0, 1] and target
/// distributions over the classes (one-hot for hard labels).
public protocol TrainingSource {
    var count: Int { get }
    var sampleShape: Shape3 { get }
    var classCount: Int { get }
    /// The hard label of sample i (argmax of its target), for metrics.
    func label(_ i: Int) -> Int
    /// Writes samples `indices` into images (n, H, W, C) and targets (n, classes); `augment`
    /// asks for on-the-fly augmentation, drawn from `random` or decided by (epoch, index).
    func fill(images: UnsafeMutablePointer<Float>, targets: UnsafeMutablePointer<Float>, indices: ArraySlice<Int>,
              augment: Bool, epoch: Int, random: inout TrainRandom)
}

/// Samples held in memory (tests, benchmarks, small sets).
public struct InMemorySource: TrainingSource {
    public let sampleShape: Shape3
    public let classCount: Int
    public var images: [Float]
    public var targets: [Float]

    public init(sampleShape: Shape3, classCount: Int, images: [Float], targets: [Float]) {
        precondition(images.count % sampleShape.count == 0, "images must be whole samples")
        precondition(targets.count == images.count / sampleShape.count * classCount, "one target row per sample")
        self.sampleShape = sampleShape
        self.classCount = classCount
        self.images = images
        self.targets = targets
    }

    /// One-hot targets from hard labels.
    public init(sampleShape: Shape3, classCount: Int, images: [Float], labels: [Int]) {
        var t = [Float](repeating: 0, count: labels.count * classCount)
        for (i, l) in labels.enumerated() { t[i * classCount + l] = 1 }
        self.init(sampleShape: sampleShape, classCount: classCount, images: images, targets: t)
    }

    public var count: Int { images.count / sampleShape.count }

    public func label(_ i: Int) -> Int {
        var best = 0
        for j in 1..<classCount where targets[i * classCount + j] > targets[i * classCount + best] { best = j }
        return best
    }

    public func fill(images out: UnsafeMutablePointer<Float>, targets outTargets: UnsafeMutablePointer<Float>,
                     indices: ArraySlice<Int>, augment: Bool, epoch: Int, random: inout TrainRandom) {
        let s = sampleShape.count
        for (row, i) in indices.enumerated() {
            images.withUnsafeBufferPointer { (out + row * s).update(from: $0.baseAddress! + i * s, count: s) }
            targets.withUnsafeBufferPointer {
                (outTargets + row * classCount).update(from: $0.baseAddress! + i * classCount, count: classCount)
            }
        }
    }
}
