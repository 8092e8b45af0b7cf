import CInt8Kernels

/// A prepared int8 DEPTHWISE_CONV_2D on the C kernels (portable C, auto-vectorized over channels):
/// weights widened once at load; `run` allocates nothing. Calls must not overlap.
public final class FastDepthwise: @unchecked Sendable {
    public let geometry: FastConvGeometry
    public let depthMultiplier: Int
    private let raw: OpaquePointer
    private let workspace: UnsafeMutableRawPointer

    /// `weights` are [kernelHeight][kernelWidth][outChannels], outChannels = inChannels · depthMultiplier.
    public init(geometry: FastConvGeometry, depthMultiplier: Int, weights: [Int8], requant: FastRequant) throws {
        let n = geometry.outChannels
        guard depthMultiplier >= 1, n == geometry.inChannels * depthMultiplier else {
            throw FastKernelError.sizeMismatch(field: "depthwise output channels", expected: geometry.inChannels * max(depthMultiplier, 1),
                                               actual: n)
        }
        let count = geometry.kernelHeight * geometry.kernelWidth * n
        guard weights.count == count else { throw FastKernelError.sizeMismatch(field: "weights", expected: count, actual: weights.count) }
        for (field, values) in [("multiplier", requant.multiplier), ("shift", requant.shift)] where values.count != n {
            throw FastKernelError.sizeMismatch(field: field, expected: n, actual: values.count)
        }
        if let bias = requant.bias, bias.count != n { throw FastKernelError.sizeMismatch(field: "bias", expected: n, actual: bias.count) }
        if let bad = requant.shift.first(where: { $0 > 30 || $0 < -31 }) { throw FastKernelError.outOfRange(field: "shift", value: Int(bad)) }
        if let bad = requant.multiplier.first(where: { $0 < 0 }) { throw FastKernelError.outOfRange(field: "multiplier", value: Int(bad)) }
        var g = geometry.c
        let created: OpaquePointer? = requant.multiplier.withUnsafeBufferPointer { mult in
            requant.shift.withUnsafeBufferPointer { shift in
                let bias = requant.bias ?? [Int32](repeating: 0, count: n)
                return bias.withUnsafeBufferPointer { bias in
                    var rq = i8k_requant(bias: bias.baseAddress, multiplier: mult.baseAddress, shift: shift.baseAddress,
                                         input_zero_point: requant.inputZeroPoint, output_zero_point: requant.outputZeroPoint,
                                         act_min: requant.activationMin, act_max: requant.activationMax,
                                         rounding: requant.rounding == .double ? I8K_ROUND_DOUBLE : I8K_ROUND_SINGLE_Q31,
                                         post_table: nil)
                    return weights.withUnsafeBufferPointer { i8k_depthwise_create(&g, Int32(depthMultiplier), $0.baseAddress, &rq) }
                }
            }
        }
        guard let created else { throw FastKernelError.invalidGeometry(geometry, code: i8k_conv_geometry_check(&g)) }
        raw = created
        workspace = UnsafeMutableRawPointer.allocate(byteCount: i8k_depthwise_workspace_size(created), alignment: 64)
        self.geometry = geometry
        self.depthMultiplier = depthMultiplier
    }

    deinit {
        i8k_depthwise_destroy(raw)
        workspace.deallocate()
    }

    /// input: (batch, inHeight, inWidth, inChannels) → output: (batch, outHeight, outWidth, outChannels).
    public func run(input: UnsafePointer<Int8>, batch: Int, output: UnsafeMutablePointer<Int8>) {
        i8k_depthwise_run(raw, input, Int32(batch), output, workspace)
    }
}
