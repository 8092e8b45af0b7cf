// Float32 storage for the trainer: fixed-size heap buffers that layers preallocate once per batch
// size, so the training step allocates nothing. Tensors are NHWC, row-major, Float32.

/// A heap block of Float32 values with a fixed capacity, zeroed on creation.
public final class FloatBuffer: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    public init(count: Int) {
        precondition(count >= 0, "buffer size must be non-negative")
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    public convenience init(_ values: [Float]) {
        self.init(count: values.count)
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    deinit { pointer.deallocate() }

    public func zero() { pointer.update(repeating: 0, count: count) }

    /// A copy of the first `n` values (default: all).
    public func array(_ n: Int? = nil) -> [Float] {
        Array(UnsafeBufferPointer(start: pointer, count: n ?? count))
    }

    public subscript(i: Int) -> Float {
        get { pointer[i] }
        set { pointer[i] = newValue }
    }
}

/// A per-sample shape (height, width, channels); dense activations are (1, 1, features).
public struct Shape3: Sendable, Equatable, CustomStringConvertible {
    public var height: Int
    public var width: Int
    public var channels: Int
    public init(_ height: Int, _ width: Int, _ channels: Int) {
        self.height = height
        self.width = width
        self.channels = channels
    }
    public var count: Int { height * width * channels }
    public var description: String { "\(height)x\(width)x\(channels)" }
}
