/// A trainable tensor with its gradient (gradients accumulate; `Model.zeroGradients` clears them).
public final class Parameter: @unchecked Sendable {
    public let name: String
    /// Logical shape, e.g. conv kernels (kh, kw, cin, cout), dense kernels (in, out), vectors (n).
    public let shape: [Int]
    public let value: FloatBuffer
    public let gradient: FloatBuffer

    public init(name: String, shape: [Int]) {
        self.name = name
        self.shape = shape
        let count = shape.reduce(1, *)
        value = FloatBuffer(count: count)
        gradient = FloatBuffer(count: count)
    }

    public var count: Int { value.count }
}
