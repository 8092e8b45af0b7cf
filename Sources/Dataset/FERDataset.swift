import Imaging

/// Labelled 48x48 gray faces held compactly: one contiguous pixel array, one label byte per image,
/// and optional soft targets. Value type; subsets and oversampled copies are new datasets.
public struct FERDataset: Sendable, Equatable {
    public static let side = 48
    public static let pixelsPerImage = side * side

    /// Pixels of all images, row-major, (N, 48, 48).
    public private(set) var images: [UInt8] = []
    /// Class index (`Emotion.rawValue`) of each image, (N).
    public private(set) var labels: [UInt8] = []
    /// Soft targets in `Emotion` order, (N, 8); nil unless built in distribution mode.
    public private(set) var softTargets: [Float]?
    /// The official split each image came from, (N).
    public private(set) var usages: [Usage] = []
    /// 0-based data row (line minus 2) of the CSV pair each image came from, (N); kept through
    /// subsets and oversampling so any sample can be traced back.
    public private(set) var sourceRows: [Int32] = []

    /// An empty dataset; `withSoftTargets` decides whether `append` takes soft targets.
    public init(withSoftTargets: Bool = false) {
        softTargets = withSoftTargets ? [] : nil
    }

    public var count: Int { labels.count }
    public var isEmpty: Bool { labels.isEmpty }
    public var hasSoftTargets: Bool { softTargets != nil }

    /// Appends one image. `pixels` must hold 2304 bytes; `soft` (8 values) is required exactly when
    /// the dataset has soft targets.
    public mutating func append(pixels: UnsafeBufferPointer<UInt8>, label: Emotion, soft: UnsafeBufferPointer<Float>? = nil,
                                usage: Usage, sourceRow: Int) {
        precondition(pixels.count == Self.pixelsPerImage, "an image is 48x48 bytes")
        precondition((soft != nil) == (softTargets != nil), "soft targets must be given exactly when the dataset has them")
        images.append(contentsOf: pixels)
        labels.append(UInt8(label.rawValue))
        if let soft {
            precondition(soft.count == Emotion.count, "soft targets have 8 values")
            softTargets!.append(contentsOf: soft)
        }
        usages.append(usage)
        sourceRows.append(Int32(truncatingIfNeeded: sourceRow))
    }

    /// Appends image `index` of `other` (which must agree on soft targets).
    public mutating func append(_ other: FERDataset, at index: Int) {
        other.images.withUnsafeBufferPointer { px in
            append(pixels: UnsafeBufferPointer(rebasing: px[index * Self.pixelsPerImage..<(index + 1) * Self.pixelsPerImage]),
                   metadataOf: other, at: index)
        }
    }

    /// Appends `pixels` with the label, soft targets, usage and source row of image `index` of `other`.
    public mutating func append(pixels: UnsafeBufferPointer<UInt8>, metadataOf other: FERDataset, at index: Int) {
        precondition(pixels.count == Self.pixelsPerImage, "an image is 48x48 bytes")
        precondition(hasSoftTargets == other.hasSoftTargets, "both datasets must have soft targets, or neither")
        images.append(contentsOf: pixels)
        labels.append(other.labels[index])
        if let soft = other.softTargets { softTargets!.append(contentsOf: soft[index * Emotion.count..<(index + 1) * Emotion.count]) }
        usages.append(other.usages[index])
        sourceRows.append(other.sourceRows[index])
    }

    /// `count` black images of class 0, to be overwritten slot by slot with `set`.
    init(blankCount count: Int, withSoftTargets: Bool) {
        images = [UInt8](repeating: 0, count: count * Self.pixelsPerImage)
        labels = [UInt8](repeating: 0, count: count)
        softTargets = withSoftTargets ? [Float](repeating: 0, count: count * Emotion.count) : nil
        usages = [Usage](repeating: .training, count: count)
        sourceRows = [Int32](repeating: 0, count: count)
    }

    /// Overwrites slot `slot` with `pixels` and the metadata of image `index` of `other`.
    mutating func set(_ slot: Int, pixels: UnsafeBufferPointer<UInt8>, metadataOf other: FERDataset, at index: Int) {
        precondition(pixels.count == Self.pixelsPerImage, "an image is 48x48 bytes")
        let base = slot * Self.pixelsPerImage
        images.withUnsafeMutableBufferPointer { dst in
            for j in 0..<Self.pixelsPerImage { dst[base + j] = pixels[j] }
        }
        labels[slot] = other.labels[index]
        if let soft = other.softTargets {
            for c in 0..<Emotion.count { softTargets![slot * Emotion.count + c] = soft[index * Emotion.count + c] }
        }
        usages[slot] = other.usages[index]
        sourceRows[slot] = other.sourceRows[index]
    }

    /// Reserves room for `n` images in every array.
    public mutating func reserveCapacity(_ n: Int) {
        images.reserveCapacity(n * Self.pixelsPerImage)
        labels.reserveCapacity(n)
        softTargets?.reserveCapacity(n * Emotion.count)
        usages.reserveCapacity(n)
        sourceRows.reserveCapacity(n)
    }

    public func label(at index: Int) -> Emotion { Emotion(rawValue: Int(labels[index]))! }

    /// The pixels of image `index`.
    public func pixels(at index: Int) -> ArraySlice<UInt8> {
        images[index * Self.pixelsPerImage..<(index + 1) * Self.pixelsPerImage]
    }

    /// Image `index` as a `GrayImage` (a copy).
    public func image(at index: Int) -> GrayImage {
        GrayImage(width: Self.side, height: Self.side, pixels: Array(pixels(at: index)))
    }

    /// Images per class, in `Emotion` order.
    public var classCounts: [Int] {
        var counts = [Int](repeating: 0, count: Emotion.count)
        for l in labels { counts[Int(l)] += 1 }
        return counts
    }

    /// The images at `indices`, in that order (indices may repeat).
    public func subset(_ indices: [Int]) -> FERDataset {
        var out = FERDataset(withSoftTargets: hasSoftTargets)
        out.reserveCapacity(indices.count)
        for i in indices { out.append(self, at: i) }
        return out
    }

    /// Builds a dataset from parallel arrays, checking that their sizes and values agree (the cache
    /// reader's entry point; also handy for callers that build data themselves).
    public init(images: [UInt8], labels: [UInt8], softTargets: [Float]?, usages: [Usage], sourceRows: [Int32]) throws(DatasetError) {
        let n = labels.count
        guard images.count == n * Self.pixelsPerImage, usages.count == n, sourceRows.count == n,
              softTargets.map({ $0.count == n * Emotion.count }) ?? true else {
            throw DatasetError(.argument, file: "dataset", expected: "arrays sized for \(n) images",
                               found: "images \(images.count), usages \(usages.count), sourceRows \(sourceRows.count), soft \(softTargets?.count ?? 0)")
        }
        if let bad = labels.firstIndex(where: { Int($0) >= Emotion.count }) {
            throw DatasetError(.argument, file: "dataset", column: "label of image \(bad)", expected: "a class index 0-7", found: "\(labels[bad])")
        }
        if let soft = softTargets, let bad = soft.firstIndex(where: { !$0.isFinite || $0 < 0 || $0 > 1 }) {
            throw DatasetError(.argument, file: "dataset", column: "soft target \(bad % 8) of image \(bad / 8)",
                               expected: "a proportion in [0, 1]", found: "\(soft[bad])")
        }
        self.images = images
        self.labels = labels
        self.softTargets = softTargets
        self.usages = usages
        self.sourceRows = sourceRows
    }
}
