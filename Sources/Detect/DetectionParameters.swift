/// A width and height in pixels.
public struct Size: Sendable, Hashable, CustomStringConvertible {
    public var width: Int
    public var height: Int
    public init(width: Int, height: Int) { self.width = width; self.height = height }
    public static let zero = Size(width: 0, height: 0)
    public var description: String { "\(width)x\(height)" }
}

/// `detectMultiScale` parameters with OpenCV's meaning. `maxSize` zero means the image size.
public struct DetectionParameters: Sendable, Hashable {
    public var scaleFactor: Double
    public var minNeighbors: Int
    public var minSize: Size
    public var maxSize: Size
    /// Threads for the window scan (1 or more); results do not depend on it.
    public var threads: Int

    public init(scaleFactor: Double = 1.1, minNeighbors: Int = 3, minSize: Size = .zero, maxSize: Size = .zero, threads: Int = 1) {
        precondition(scaleFactor > 1, "scaleFactor must be > 1")
        precondition(threads >= 1, "threads must be >= 1")
        self.scaleFactor = scaleFactor
        self.minNeighbors = minNeighbors
        self.minSize = minSize
        self.maxSize = maxSize
        self.threads = threads
    }
}
