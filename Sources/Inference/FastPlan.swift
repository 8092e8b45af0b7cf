import CInt8Kernels
import QuantMath

/// How the interpreter uses the fast C kernels (CInt8Kernels) instead of the reference ones.
public struct FastOptions: Sendable, Equatable {
    /// Kernel family for CONV_2D and FULLY_CONNECTED.
    public var kind: FastKernelKind
    /// Threads that share each convolution, the calling thread included.
    public var threads: Int
    /// Fold MUL/ADD by a per-channel constant that follow a CONV_2D into its epilogue, and a
    /// MAX_POOL_2D in front of a CONV_2D into its input copy.
    public var fuseElementwise: Bool

    public init(kind: FastKernelKind = .best, threads: Int = 1, fuseElementwise: Bool = true) {
        self.kind = kind
        self.threads = threads
        self.fuseElementwise = fuseElementwise
    }
}

/// The fast replacement of some interpreter steps, prepared once: CONV_2D and FULLY_CONNECTED
/// on packed weights with a fused requantization, DEPTHWISE_CONV_2D, MUL/ADD by a per-channel constant and
/// 1x1 unpadded DEPTHWISE_CONV_2D (a per-channel affine map) as exact
/// 256-entry tables per channel (fused into the preceding CONV_2D when it is its only reader),
/// and unpadded MAX_POOL_2D (fused into the input copy of a following CONV_2D that is its only
/// reader). Steps it does not take run on the reference kernels.
final class FastPlan {
    private enum Action {
        case reference
        case skip  // fused into an earlier step
        case conv(FastConv, input: Int, output: Int)
        case depthwise(FastDepthwise, input: Int, output: Int)
        case fullyConnected(FastConv, input: Int, output: Int, rowsPerSample: Int)
        case maxPool(PoolParameters, input: Int, output: Int)
        case channelMap([Int8], channels: Int, pixelsPerSample: Int, input: Int, output: Int)
    }

    private let actions: [Action]
    private let slots: [TensorSlot]
    private let arena: UnsafeMutableRawPointer
    private let pool: FastThreadPool?
    private let workspace: UnsafeMutableRawPointer
    let options: FastOptions

    /// `arena` already holds the constants at their slots; `graphOutputs` are tensor indices.
    init(steps: [Step], slots: [TensorSlot], arena: UnsafeMutableRawPointer, graphOutputs: [Int], maxBatch: Int,
         options: FastOptions) throws {
        guard options.kind.isAvailable else { throw FastKernelError.unavailable(options.kind) }
        guard (1...64).contains(options.threads) else { throw FastKernelError.outOfRange(field: "threads", value: options.threads) }
        func constant(_ t: Int) -> UnsafeMutableRawPointer? { slots[t].isConstant ? arena + slots[t].offset : nil }
        // Readers of each tensor: a conv output can absorb the elementwise op after it only when
        // that op is its sole reader and it is not a graph output.
        var readers: [Int: Int] = [:]
        for step in steps { for t in Self.reads(step) { readers[t, default: 0] += 1 } }
        for t in graphOutputs { readers[t, default: 0] += 1 }

        var actions = [Action](repeating: .reference, count: steps.count)
        var workspaceBytes = 64
        var i = 0
        while i < steps.count {
            switch steps[i] {
            case .conv2D(let s):
                var output = s.output, table: [Int8]? = nil, fused = 0
                while options.fuseElementwise, i + fused + 1 < steps.count, readers[output] == 1,
                      let map = Self.channelMap(steps[i + fused + 1], reading: output, channels: s.params.outputChannels,
                                                constant: constant) {
                    table = table.map { Self.compose($0, then: map.table, channels: s.params.outputChannels) } ?? map.table
                    output = map.output
                    fused += 1
                }
                // A conv the fast kernels cannot take (weights computed at run time, absurd sizes)
                // stays on the reference kernels, together with the ops it would have absorbed.
                guard let conv = try? Self.makeConv(s, weights: constant(s.filter), bias: s.bias.flatMap(constant),
                                                    table: table, kind: options.kind) else { break }
                workspaceBytes = max(workspaceBytes, conv.workspaceBytes(batch: maxBatch))
                var input = s.input
                // A max pool whose only reader is this conv runs inside the conv's input copy.
                if options.fuseElementwise, i > 0, case .maxPool(let p, let poolInput, let poolOutput) = actions[i - 1],
                   poolOutput == s.input, readers[poolOutput] == 1,
                   (try? conv.fuseMaxPool(sourceHeight: p.inputHeight, sourceWidth: p.inputWidth, filterHeight: p.filterHeight,
                                          filterWidth: p.filterWidth, strideHeight: p.strideH, strideWidth: p.strideW,
                                          activationMin: p.activationMin, activationMax: p.activationMax)) != nil {
                    actions[i - 1] = .skip
                    input = poolInput
                }
                actions[i] = .conv(conv, input: input, output: output)
                for k in 0..<fused { actions[i + 1 + k] = .skip }
                i += fused
            case .fullyConnected(let s):
                let p = s.params
                let requant = FastRequant(bias: Self.int32s(s.bias.flatMap(constant), count: p.units),
                                          multiplier: s.multipliers.map(\.multiplier), shift: s.multipliers.map(\.shift),
                                          inputZeroPoint: -p.inputOffset, outputZeroPoint: p.outputOffset,
                                          activationMin: p.activationMin, activationMax: p.activationMax, rounding: .singleQ31)
                let weights = Self.int8s(constant(s.weights), count: p.units * p.depth)
                if let weights, let fc = try? FastConv(geometry: .fullyConnected(inputs: p.depth, outputs: p.units),
                                                       weights: weights, requant: requant, kind: options.kind) {
                    workspaceBytes = max(workspaceBytes, fc.workspaceBytes(batch: maxBatch * s.rowsPerSample))
                    actions[i] = .fullyConnected(fc, input: s.input, output: s.output, rowsPerSample: s.rowsPerSample)
                }
            case .depthwiseConv2D(let s):
                // A 1x1 per-channel affine depthwise (not fused into a conv above) is a table, as MUL/ADD.
                if let map = Self.channelMap(steps[i], reading: nil, channels: nil, constant: constant) {
                    actions[i] = .channelMap(map.table, channels: map.channels, pixelsPerSample: map.pixels, input: map.input,
                                             output: map.output)
                    break
                }
                let p = s.params
                let g = FastConvGeometry(inHeight: p.inputHeight, inWidth: p.inputWidth, inChannels: p.inputChannels,
                                         outHeight: p.outputHeight, outWidth: p.outputWidth, outChannels: p.outputChannels,
                                         kernelHeight: p.filterHeight, kernelWidth: p.filterWidth, strideHeight: p.strideH,
                                         strideWidth: p.strideW, dilationHeight: p.dilationH, dilationWidth: p.dilationW,
                                         padTop: p.padTop, padLeft: p.padLeft)
                let requant = FastRequant(bias: Self.int32s(s.bias.flatMap(constant), count: p.outputChannels),
                                          multiplier: s.multipliers.map(\.multiplier), shift: s.multipliers.map(\.shift),
                                          inputZeroPoint: -p.inputOffset, outputZeroPoint: p.outputOffset,
                                          activationMin: p.activationMin, activationMax: p.activationMax, rounding: .double)
                if let weights = Self.int8s(constant(s.filter), count: p.filterHeight * p.filterWidth * p.outputChannels),
                   let dw = try? FastDepthwise(geometry: g, depthMultiplier: p.depthMultiplier, weights: weights, requant: requant) {
                    actions[i] = .depthwise(dw, input: s.input, output: s.output)
                }
            case .maxPool2D(let s) where s.params.padTop == 0 && s.params.padLeft == 0:
                actions[i] = .maxPool(s.params, input: s.input, output: s.output)
            case .mul, .add:
                if let map = Self.channelMap(steps[i], reading: nil, channels: nil, constant: constant) {
                    actions[i] = .channelMap(map.table, channels: map.channels, pixelsPerSample: map.pixels,
                                             input: map.input, output: map.output)
                }
            default:
                break
            }
            i += 1
        }
        self.actions = actions
        self.slots = slots
        self.arena = arena
        self.options = options
        pool = options.threads > 1 ? FastThreadPool(threads: options.threads) : nil
        workspace = UnsafeMutableRawPointer.allocate(byteCount: workspaceBytes, alignment: 64)
    }

    deinit { workspace.deallocate() }

    /// Runs step `index` for `batch` samples if the fast plan owns it; false means "use the reference".
    func run(step index: Int, batch: Int) -> Bool {
        func int8(_ t: Int) -> UnsafeMutablePointer<Int8> { (arena + slots[t].offset).assumingMemoryBound(to: Int8.self) }
        switch actions[index] {
        case .reference:
            return false
        case .skip:
            return true
        case .conv(let conv, let input, let output):
            conv.run(input: int8(input), batch: batch, output: int8(output), workspace: workspace, pool: pool)
        case .depthwise(let dw, let input, let output):
            dw.run(input: int8(input), batch: batch, output: int8(output))
        case .fullyConnected(let fc, let input, let output, let rows):
            fc.run(input: int8(input), batch: batch * rows, output: int8(output), workspace: workspace, pool: pool)
        case .maxPool(let p, let input, let output):
            i8k_max_pool(int8(input), Int32(batch), Int32(p.inputHeight), Int32(p.inputWidth), Int32(p.channels),
                         Int32(p.filterHeight), Int32(p.filterWidth), Int32(p.strideH), Int32(p.strideW),
                         Int32(p.outputHeight), Int32(p.outputWidth), p.activationMin, p.activationMax, int8(output))
        case .channelMap(let table, let channels, let pixels, let input, let output):
            table.withUnsafeBufferPointer {
                i8k_channel_lut(int8(input), batch * pixels, Int32(channels), $0.baseAddress, int8(output))
            }
        }
        return true
    }

    /// Names of the steps the fast plan runs, for logs and benchmarks.
    var summary: String {
        var counts: [String: Int] = [:]
        for a in actions {
            let name = switch a {
            case .reference: "reference"
            case .skip: "fused"
            case .conv: "conv"
            case .depthwise: "depthwise"
            case .fullyConnected: "fully_connected"
            case .maxPool: "max_pool"
            case .channelMap: "channel_map"
            }
            counts[name, default: 0] += 1
        }
        return counts.keys.sorted().map { "\($0) x\(counts[$0]!)" }.joined(separator: ", ")
    }

    // MARK: preparation helpers

    private static func makeConv(_ s: ConvStep, weights: UnsafeMutableRawPointer?, bias: UnsafeMutableRawPointer?,
                                 table: [Int8]?, kind: FastKernelKind) throws -> FastConv {
        let p = s.params
        let g = FastConvGeometry(inHeight: p.inputHeight, inWidth: p.inputWidth, inChannels: p.inputChannels,
                                 outHeight: p.outputHeight, outWidth: p.outputWidth, outChannels: p.outputChannels,
                                 kernelHeight: p.filterHeight, kernelWidth: p.filterWidth, strideHeight: p.strideH,
                                 strideWidth: p.strideW, dilationHeight: p.dilationH, dilationWidth: p.dilationW,
                                 padTop: p.padTop, padLeft: p.padLeft)
        guard let w = int8s(weights, count: g.weightCount) else {
            throw FastKernelError.sizeMismatch(field: "filter (not a constant)", expected: g.weightCount, actual: 0)
        }
        let requant = FastRequant(bias: int32s(bias, count: p.outputChannels), multiplier: s.multipliers.map(\.multiplier),
                                  shift: s.multipliers.map(\.shift), inputZeroPoint: -p.inputOffset,
                                  outputZeroPoint: p.outputOffset, activationMin: p.activationMin,
                                  activationMax: p.activationMax, rounding: .double, postTable: table)
        return try FastConv(geometry: g, weights: w, requant: requant, kind: kind)
    }

    private static func int8s(_ p: UnsafeMutableRawPointer?, count: Int) -> [Int8]? {
        p.map { Array(UnsafeBufferPointer(start: $0.assumingMemoryBound(to: Int8.self), count: count)) }
    }

    private static func int32s(_ p: UnsafeMutableRawPointer?, count: Int) -> [Int32]? {
        p.map { Array(UnsafeBufferPointer(start: $0.assumingMemoryBound(to: Int32.self), count: count)) }
    }

    /// Tensors a step reads; unknown kinds read "everything" (-1), which blocks fusion.
    private static func reads(_ step: Step) -> [Int] {
        switch step {
        case .conv2D(let s), .depthwiseConv2D(let s): [s.input]
        case .fullyConnected(let s): [s.input]
        case .maxPool2D(let s), .averagePool2D(let s): [s.input]
        case .mean(let s): [s.input]
        case .add(let s): [s.input1, s.input2]
        case .mul(let s): [s.input1, s.input2]
        case .softmax(let s): [s.input]
        case .quantize(let s), .dequantize(let s): [s.input]
        case .copy(let s): [s.input]
        case .pad(let s): [s.input]
        case .concatenation(let s): s.inputs
        }
    }

    private struct ChannelMap {
        var table: [Int8]
        var channels: Int
        var pixels: Int
        var input: Int
        var output: Int
    }

    /// A MUL or ADD whose other operand is a constant scalar or a constant vector along the last
    /// axis is, per channel, a map of the int8 input: its table is the reference op evaluated on
    /// all 256 values, so applying it is exact by construction.
    private static func channelMap(_ step: Step, reading input: Int?, channels: Int?,
                                   constant: (Int) -> UnsafeMutableRawPointer?) -> ChannelMap? {
        func plan<P>(_ s: BinaryStep<P>) -> (activation: Int, constant: UnsafeMutableRawPointer, activationFirst: Bool,
                                             channels: Int, pixels: Int)? {
            let dims = s.plan.outputDims
            let c = dims[BroadcastPlan.rank - 1]
            var dense = [Int](repeating: 0, count: BroadcastPlan.rank)
            var step = 1
            for k in stride(from: BroadcastPlan.rank - 1, through: 0, by: -1) {
                dense[k] = dims[k] == 1 ? 0 : step
                step *= dims[k]
            }
            let perChannel = [Int](repeating: 0, count: BroadcastPlan.rank - 1) + [c == 1 ? 0 : 1]
            let scalar = [Int](repeating: 0, count: BroadcastPlan.rank)
            for (a, b, sa, sb, first) in [(s.input1, s.input2, s.plan.strides1, s.plan.strides2, true),
                                          (s.input2, s.input1, s.plan.strides2, s.plan.strides1, false)] {
                guard constant(a) == nil, let k = constant(b), sa == dense, sb == perChannel || sb == scalar else { continue }
                if let input, a != input { continue }
                if let channels, c != channels { continue }
                return (a, k, first, sb == scalar ? 1 : c, s.plan.outputCount / c)
            }
            return nil
        }
        func build(channels c: Int, constant k: UnsafeMutableRawPointer, _ element: (Int8, Int8) -> Int8) -> [Int8] {
            let values = k.assumingMemoryBound(to: Int8.self)
            var table = [Int8](repeating: 0, count: c * 256)
            for ch in 0..<c { for v in 0..<256 { table[ch * 256 + v] = element(Int8(v - 128), values[ch]) } }
            return table
        }
        switch step {
        case .mul(let s):
            guard let p = plan(s) else { return nil }
            let table = build(channels: p.channels, constant: p.constant) { v, k in
                p.activationFirst ? mulElement(v, k, s.params) : mulElement(k, v, s.params)
            }
            return widen(ChannelMap(table: table, channels: p.channels, pixels: p.pixels, input: p.activation, output: s.output),
                         to: channels ?? s.plan.outputDims[BroadcastPlan.rank - 1])
        case .add(let s):
            guard let p = plan(s) else { return nil }
            let table = build(channels: p.channels, constant: p.constant) { v, k in
                p.activationFirst ? addElement(v, k, s.params) : addElement(k, v, s.params)
            }
            return widen(ChannelMap(table: table, channels: p.channels, pixels: p.pixels, input: p.activation, output: s.output),
                         to: channels ?? s.plan.outputDims[BroadcastPlan.rank - 1])
        case .depthwiseConv2D(let s):
            // A 1x1, stride-1, unpadded depthwise conv with multiplier 1 maps each value through its
            // channel's own affine requantization: a per-channel table, as for MUL/ADD (EdgeFER's
            // exports write BatchNorm after ReLU this way).
            let p = s.params
            guard p.filterHeight == 1, p.filterWidth == 1, p.strideH == 1, p.strideW == 1, p.depthMultiplier == 1,
                  p.padTop == 0, p.padLeft == 0, p.outputHeight == p.inputHeight, p.outputWidth == p.inputWidth,
                  constant(s.input) == nil, let w = constant(s.filter), s.multipliers.count == p.outputChannels
            else { return nil }
            if let input, s.input != input { return nil }
            if let channels, p.outputChannels != channels { return nil }
            let c = p.outputChannels
            let weights = w.assumingMemoryBound(to: Int8.self)
            let bias = s.bias.flatMap(constant)?.assumingMemoryBound(to: Int32.self)
            var table = [Int8](repeating: 0, count: c * 256)
            for ch in 0..<c {
                for v in 0..<256 {
                    // The reference kernel's arithmetic for one tap (ReferenceConv.swift).
                    var acc = (Int32(v - 128) &+ p.inputOffset) &* Int32(weights[ch])
                    acc &+= bias?[ch] ?? 0
                    let scaled = multiplyByQuantizedMultiplier(acc, s.multipliers[ch]) &+ p.outputOffset
                    table[ch * 256 + v] = clampToInt8(scaled, min: p.activationMin, max: p.activationMax)
                }
            }
            return ChannelMap(table: table, channels: c, pixels: p.inputHeight * p.inputWidth, input: s.input, output: s.output)
        default:
            return nil
        }
    }

    /// A scalar operand's single table repeated for every channel.
    private static func widen(_ m: ChannelMap, to channels: Int) -> ChannelMap {
        guard m.channels == 1, channels > 1 else { return m }
        var w = m
        w.table = (0..<channels).flatMap { _ in m.table }
        w.channels = channels
        return w
    }

    /// second ∘ first, per channel.
    private static func compose(_ first: [Int8], then second: [Int8], channels: Int) -> [Int8] {
        var out = first
        for c in 0..<channels { for v in 0..<256 { out[c * 256 + v] = second[c * 256 + Int(first[c * 256 + v]) + 128] } }
        return out
    }
}
