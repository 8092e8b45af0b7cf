import CInt8Kernels

/// TFLite's two requantization roundings (shared/conformance/tflite/README.md, rules table).
public enum FastRounding: Sendable {
    /// CONV_2D and DEPTHWISE_CONV_2D: gemmlowp double rounding.
    case double
    /// FULLY_CONNECTED: one rounding with the Q31 multiplier in 64 bits.
    case singleQ31
}

/// Per-output-channel requantization of a fast convolution: bias, multipliers, zero points and
/// the clamp; optionally a per-channel table fused after it (see `FastChannelMap`).
public struct FastRequant: Sendable {
    public var bias: [Int32]?
    public var multiplier: [Int32]
    public var shift: [Int32]
    public var inputZeroPoint: Int32
    public var outputZeroPoint: Int32
    public var activationMin: Int32
    public var activationMax: Int32
    public var rounding: FastRounding
    /// [outputChannels][256]: output = table[channel][output + 128], applied after the clamp.
    public var postTable: [Int8]?

    public init(bias: [Int32]?, multiplier: [Int32], shift: [Int32], inputZeroPoint: Int32,
                outputZeroPoint: Int32, activationMin: Int32 = -128, activationMax: Int32 = 127,
                rounding: FastRounding, postTable: [Int8]? = nil) {
        self.bias = bias
        self.multiplier = multiplier
        self.shift = shift
        self.inputZeroPoint = inputZeroPoint
        self.outputZeroPoint = outputZeroPoint
        self.activationMin = activationMin
        self.activationMax = activationMax
        self.rounding = rounding
        self.postTable = postTable
    }
}

/// Shape of a convolution: NHWC activations, OHWI weights, explicit top/left padding.
public struct FastConvGeometry: Sendable, Equatable {
    public var inHeight, inWidth, inChannels: Int
    public var outHeight, outWidth, outChannels: Int
    public var kernelHeight, kernelWidth: Int
    public var strideHeight, strideWidth: Int
    public var dilationHeight, dilationWidth: Int
    public var padTop, padLeft: Int

    public init(inHeight: Int, inWidth: Int, inChannels: Int, outHeight: Int, outWidth: Int, outChannels: Int,
                kernelHeight: Int, kernelWidth: Int, strideHeight: Int = 1, strideWidth: Int = 1,
                dilationHeight: Int = 1, dilationWidth: Int = 1, padTop: Int = 0, padLeft: Int = 0) {
        self.inHeight = inHeight
        self.inWidth = inWidth
        self.inChannels = inChannels
        self.outHeight = outHeight
        self.outWidth = outWidth
        self.outChannels = outChannels
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight
        self.strideWidth = strideWidth
        self.dilationHeight = dilationHeight
        self.dilationWidth = dilationWidth
        self.padTop = padTop
        self.padLeft = padLeft
    }

    /// A fully connected layer as the 1x1 convolution of a 1x1 image with `inputs` channels.
    public static func fullyConnected(inputs: Int, outputs: Int) -> FastConvGeometry {
        FastConvGeometry(inHeight: 1, inWidth: 1, inChannels: inputs, outHeight: 1, outWidth: 1, outChannels: outputs,
                         kernelHeight: 1, kernelWidth: 1)
    }

    public var inputCount: Int { inHeight * inWidth * inChannels }
    public var outputCount: Int { outHeight * outWidth * outChannels }
    public var weightCount: Int { outChannels * kernelHeight * kernelWidth * inChannels }
    /// Multiply-accumulates per image, padding taps included.
    public var macs: Int { outHeight * outWidth * outChannels * kernelHeight * kernelWidth * inChannels }

    var c: i8k_conv_geometry {
        i8k_conv_geometry(in_h: Int32(inHeight), in_w: Int32(inWidth), in_c: Int32(inChannels),
                          out_h: Int32(outHeight), out_w: Int32(outWidth), out_c: Int32(outChannels),
                          kernel_h: Int32(kernelHeight), kernel_w: Int32(kernelWidth),
                          stride_h: Int32(strideHeight), stride_w: Int32(strideWidth),
                          dilation_h: Int32(dilationHeight), dilation_w: Int32(dilationWidth),
                          pad_top: Int32(padTop), pad_left: Int32(padLeft))
    }
}

/// Why a fast kernel could not be prepared.
public enum FastKernelError: Error, Equatable, CustomStringConvertible {
    case invalidGeometry(FastConvGeometry, code: Int32)
    case sizeMismatch(field: String, expected: Int, actual: Int)
    case unavailable(FastKernelKind)
    case outOfRange(field: String, value: Int)

    public var description: String {
        switch self {
        case .invalidGeometry(let g, let code): "invalid convolution geometry (check code \(code)): \(g)"
        case .sizeMismatch(let field, let expected, let actual): "\(field): expected \(expected) values, got \(actual)"
        case .unavailable(let kind): "int8 kernel \(kind) is not available on this CPU"
        case .outOfRange(let field, let value): "\(field) = \(value) is out of range"
        }
    }
}

/// A prepared int8 convolution (or fully connected layer) on the fast kernels: the weights are
/// packed once here; `run` allocates nothing once its scratch fits the batch (`reserve(batch:)`).
/// Calls must not overlap: the scratch buffer is reused.
public final class FastConv: @unchecked Sendable {
    public let geometry: FastConvGeometry
    public let kind: FastKernelKind
    private let raw: OpaquePointer
    private var workspace: UnsafeMutableRawPointer?
    private var workspaceBytes = 0

    /// `weights` are OHWI ([outChannels][kernelHeight][kernelWidth][inChannels]).
    public init(geometry: FastConvGeometry, weights: [Int8], requant: FastRequant, kind: FastKernelKind = .best) throws {
        let g = geometry.c
        var check = g
        let code = i8k_conv_geometry_check(&check)
        guard code == 0 else { throw FastKernelError.invalidGeometry(geometry, code: code) }
        guard kind.isAvailable else { throw FastKernelError.unavailable(kind) }
        let n = geometry.outChannels
        guard weights.count == geometry.weightCount else {
            throw FastKernelError.sizeMismatch(field: "weights", expected: geometry.weightCount, actual: weights.count)
        }
        for (field, values) in [("multiplier", requant.multiplier), ("shift", requant.shift)] where values.count != n {
            throw FastKernelError.sizeMismatch(field: field, expected: n, actual: values.count)
        }
        if let bias = requant.bias, bias.count != n {
            throw FastKernelError.sizeMismatch(field: "bias", expected: n, actual: bias.count)
        }
        if let table = requant.postTable, table.count != n * 256 {
            throw FastKernelError.sizeMismatch(field: "postTable", expected: n * 256, actual: table.count)
        }
        if let bad = requant.shift.first(where: { $0 > 30 || $0 < -31 }) {
            throw FastKernelError.outOfRange(field: "shift", value: Int(bad))
        }
        if let bad = requant.multiplier.first(where: { $0 < 0 }) {
            throw FastKernelError.outOfRange(field: "multiplier", value: Int(bad))
        }
        guard (-128...127).contains(requant.activationMin), (-128...127).contains(requant.activationMax),
              requant.activationMin <= requant.activationMax else {
            throw FastKernelError.outOfRange(field: "activation range", value: Int(requant.activationMin))
        }
        let created: OpaquePointer? = requant.multiplier.withUnsafeBufferPointer { mult in
            requant.shift.withUnsafeBufferPointer { shift in
                Self.withOptionalPointer(requant.bias) { bias in
                    Self.withOptionalPointer(requant.postTable) { table in
                        var rq = i8k_requant(bias: bias, multiplier: mult.baseAddress, shift: shift.baseAddress,
                                             input_zero_point: requant.inputZeroPoint,
                                             output_zero_point: requant.outputZeroPoint,
                                             act_min: requant.activationMin, act_max: requant.activationMax,
                                             rounding: requant.rounding == .double ? I8K_ROUND_DOUBLE : I8K_ROUND_SINGLE_Q31,
                                             post_table: table)
                        var geo = g
                        return weights.withUnsafeBufferPointer { i8k_conv_create(&geo, $0.baseAddress, &rq, kind.cKind) }
                    }
                }
            }
        }
        guard let created else { throw FastKernelError.unavailable(kind) }
        raw = created
        inputCount = geometry.inputCount
        self.geometry = geometry
        self.kind = kind
    }

    deinit {
        i8k_conv_destroy(raw)
        workspace?.deallocate()
    }

    /// Grows the scratch buffer so that batches up to `batch` images run without allocating.
    public func reserve(batch: Int) {
        let bytes = i8k_conv_workspace_size(raw, Int32(batch))
        guard bytes > workspaceBytes else { return }
        workspace?.deallocate()
        workspace = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        workspaceBytes = bytes
    }

    /// input: (batch, inHeight, inWidth, inChannels) → output: (batch, outHeight, outWidth, outChannels).
    public func run(input: UnsafePointer<Int8>, batch: Int, output: UnsafeMutablePointer<Int8>,
                    pool: FastThreadPool? = nil) {
        precondition(batch >= 1, "batch must be positive")
        reserve(batch: batch)
        i8k_conv_run(raw, input, Int32(batch), output, workspace, pool?.raw)
    }

    /// Values of one input image: the convolution's, or the fused max pool's (`fuseMaxPool`).
    public private(set) var inputCount: Int

    /// Puts a VALID MAX_POOL_2D (no padding) in front: `run` then takes the pool's input
    /// (sourceHeight, sourceWidth, inChannels) and pools while it copies the input, saving a pass.
    /// The geometry's input size must be the pool's output size.
    public func fuseMaxPool(sourceHeight: Int, sourceWidth: Int, filterHeight: Int, filterWidth: Int,
                            strideHeight: Int, strideWidth: Int, activationMin: Int32 = -128, activationMax: Int32 = 127) throws {
        let code = i8k_conv_fuse_max_pool(raw, Int32(sourceHeight), Int32(sourceWidth), Int32(filterHeight), Int32(filterWidth),
                                          Int32(strideHeight), Int32(strideWidth), activationMin, activationMax)
        guard code == 0 else { throw FastKernelError.outOfRange(field: "fused max pool (code \(code))", value: sourceHeight) }
        inputCount = sourceHeight * sourceWidth * geometry.inChannels
    }

    /// Bytes of scratch a call on `batch` images needs (to share one buffer between layers).
    public func workspaceBytes(batch: Int) -> Int { i8k_conv_workspace_size(raw, Int32(batch)) }

    /// As `run(input:batch:output:pool:)`, with caller-owned scratch of `workspaceBytes(batch:)`.
    public func run(input: UnsafePointer<Int8>, batch: Int, output: UnsafeMutablePointer<Int8>,
                    workspace: UnsafeMutableRawPointer, pool: FastThreadPool? = nil) {
        i8k_conv_run(raw, input, Int32(batch), output, workspace, pool?.raw)
    }

    /// Array convenience for tests and tools (allocates the output).
    public func run(_ input: [Int8], batch: Int = 1, pool: FastThreadPool? = nil) -> [Int8] {
        precondition(input.count == batch * inputCount, "input holds \(input.count) values")
        var output = [Int8](repeating: 0, count: batch * geometry.outputCount)
        input.withUnsafeBufferPointer { inp in
            output.withUnsafeMutableBufferPointer { run(input: inp.baseAddress!, batch: batch, output: $0.baseAddress!, pool: pool) }
        }
        return output
    }

    /// The scalar reference (plain loops in C) on the same arguments, for tests and checks.
    public static func reference(geometry: FastConvGeometry, weights: [Int8], requant: FastRequant,
                                 input: [Int8], batch: Int = 1) -> [Int8] {
        precondition(input.count == batch * geometry.inputCount && weights.count == geometry.weightCount)
        var output = [Int8](repeating: 0, count: batch * geometry.outputCount)
        var g = geometry.c
        requant.multiplier.withUnsafeBufferPointer { mult in
            requant.shift.withUnsafeBufferPointer { shift in
                withOptionalPointer(requant.bias) { bias in
                    withOptionalPointer(requant.postTable) { table in
                        var rq = i8k_requant(bias: bias, multiplier: mult.baseAddress, shift: shift.baseAddress,
                                             input_zero_point: requant.inputZeroPoint,
                                             output_zero_point: requant.outputZeroPoint,
                                             act_min: requant.activationMin, act_max: requant.activationMax,
                                             rounding: requant.rounding == .double ? I8K_ROUND_DOUBLE : I8K_ROUND_SINGLE_Q31,
                                             post_table: table)
                        output.withUnsafeMutableBufferPointer { out in
                            i8k_ref_conv(&g, weights, &rq, input, Int32(batch), out.baseAddress)
                        }
                    }
                }
            }
        }
        return output
    }

    private static func withOptionalPointer<T, R>(_ array: [T]?, _ body: (UnsafePointer<T>?) -> R) -> R {
        guard let array else { return body(nil) }
        return array.withUnsafeBufferPointer { body($0.baseAddress) }
    }
}
