// The seam where fast int8 kernels plug in. CONV_2D and FULLY_CONNECTED spend nearly all
// their time computing int32 accumulators; requantization stays in Swift (reference), so a
// fast kernel only has to reproduce the accumulators exactly — integer sums, no rounding.

/// Computes the int32 accumulators of CONV_2D and FULLY_CONNECTED. Implementations must give
/// exactly the values of `conv2DAccumulate` / `fullyConnectedAccumulate` (wrapping int32).
/// `filter` and `bias` pointers stay valid and unchanged for the interpreter's lifetime, so an
/// implementation may cache repacked weights keyed by the filter pointer.
public protocol AccumulationKernel: Sendable {
    /// A short name for logs and benchmarks, e.g. "reference" or "avx512-vnni".
    var name: String { get }

    /// acc[b, oy, ox, oc] for `batches` images; see `conv2DAccumulate`.
    func conv2D(acc: UnsafeMutablePointer<Int32>, input: UnsafePointer<Int8>, filter: UnsafePointer<Int8>,
                bias: UnsafePointer<Int32>?, params: ConvParameters, batches: Int)

    /// acc[b, u] for `batches` rows; see `fullyConnectedAccumulate`.
    func fullyConnected(acc: UnsafeMutablePointer<Int32>, input: UnsafePointer<Int8>, weights: UnsafePointer<Int8>,
                        bias: UnsafePointer<Int32>?, params: FullyConnectedParameters, batches: Int)
}

/// The plain Swift loops of the reference kernels.
public struct ReferenceAccumulation: AccumulationKernel {
    public init() {}
    public var name: String { "reference" }

    public func conv2D(acc: UnsafeMutablePointer<Int32>, input: UnsafePointer<Int8>, filter: UnsafePointer<Int8>,
                       bias: UnsafePointer<Int32>?, params: ConvParameters, batches: Int) {
        conv2DAccumulate(acc: acc, input: input, filter: filter, bias: bias, params: params, batches: batches)
    }

    public func fullyConnected(acc: UnsafeMutablePointer<Int32>, input: UnsafePointer<Int8>, weights: UnsafePointer<Int8>,
                               bias: UnsafePointer<Int32>?, params: FullyConnectedParameters, batches: Int) {
        fullyConnectedAccumulate(acc: acc, input: input, weights: weights, bias: bias, params: params, batches: batches)
    }
}
