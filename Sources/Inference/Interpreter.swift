import QuantMath
import TFLiteModel

/// Runs an int8 TFLite model with TFLite's reference semantics. `init` validates the model and
/// prepares every operator once (multipliers, padding, clamps, one arena for all tensors and
/// scratch); `invoke` then allocates nothing. Up to `maxBatch` samples run in one call.
/// Each step runs on the reference kernels (Reference/) unless the fast plan (FastPlan.swift,
/// C kernels in CInt8Kernels) has taken it; both give the same bytes.
/// Not thread-safe: one interpreter per thread.
public final class Interpreter {
    public let inputs: [TensorInfo]
    public let outputs: [TensorInfo]
    public let layers: [LayerInfo]
    public let maxBatch: Int

    private let steps: [Step]
    private let slots: [TensorSlot]
    private let arena: UnsafeMutableRawPointer
    private let arenaBytes: Int
    private let scratchOffset: Int
    let fastPlan: FastPlan?

    /// Prepares `model` for batches of up to `maxBatch` samples. `fast` routes CONV_2D,
    /// FULLY_CONNECTED and friends through the C kernels (FastPlan.swift); nil keeps every step
    /// on the reference kernels. With `preserveAllTensors` (like LiteRT's
    /// experimental_preserve_all_tensors) no two activations share memory and no operators are
    /// fused, so `tensorBytes` can read every intermediate after `invoke`.
    public init(model: Model, maxBatch: Int = 1, fast: FastOptions? = FastOptions(), preserveAllTensors: Bool = false) throws {
        guard maxBatch >= 1 else { throw InferenceError.batchOutOfRange(requested: maxBatch, maximum: Int.max) }
        var preparer = try GraphPreparer(model: model)
        let plan = try preparer.prepare()
        if maxBatch > 1, let reason = plan.batchBlocker { throw InferenceError.batchUnsupported(reason) }
        // Arena: constants once, then activations × maxBatch, then int32 scratch × maxBatch.
        var slots = plan.slots
        var offset = 0
        func reserve(_ bytes: Int) -> Int {
            let at = offset
            offset += (bytes + 63) & ~63
            return at
        }
        for i in slots.indices where slots[i].bytesPerSample > 0 && slots[i].isConstant {
            slots[i].offset = reserve(slots[i].bytesPerSample)
        }
        var fast = fast
        if preserveAllTensors { fast?.fuseElementwise = false }
        // A fused fast step (e.g. MAX_POOL_2D → CONV_2D → MUL → ADD run as one) reads and writes
        // tensors of several neighbouring operators at once: widen every lifetime by the longest
        // such span so no tensor it touches shares memory with another it touches.
        let window = fast?.fuseElementwise == true ? Self.longestFusibleSpan(plan.steps) : 0
        let lifetimes = plan.lifetimes.map { life in
            life.map { preserveAllTensors ? -1...Int.max - 1 : ($0.lowerBound - window)...($0.upperBound + window) }
        }
        let activations = planActivations(sizes: slots.indices.map { slots[$0].isConstant ? 0 : slots[$0].bytesPerSample * maxBatch },
                                          lifetimes: lifetimes)
        let activationBase = reserve(activations.totalBytes)
        for (i, at) in activations.offsets.enumerated() where at >= 0 { slots[i].offset = activationBase + at }
        let scratch = reserve(plan.scratchInt32PerSample * 4 * maxBatch)
        let bytes = max(offset, 64)
        let memory = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        memory.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        for (tensor, data) in plan.constants {
            data.withUnsafeBytes { memory.advanced(by: slots[tensor].offset).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        }
        let fastPlan: FastPlan?
        do {
            fastPlan = try fast.map {
                try FastPlan(steps: plan.steps, slots: slots, arena: memory, graphOutputs: plan.outputs.map(\.index),
                             maxBatch: maxBatch, options: $0)
            }
        } catch {
            memory.deallocate()
            throw error
        }
        (arena, arenaBytes, self.fastPlan) = (memory, bytes, fastPlan)
        (self.slots, self.steps, self.scratchOffset) = (slots, plan.steps, scratch)
        (self.inputs, self.outputs, self.layers) = (plan.inputs, plan.outputs, plan.layers)
        self.maxBatch = maxBatch
    }

    /// An upper bound on how many operators FastPlan may run as one: a MAX_POOL_2D before a
    /// CONV_2D, the conv, and the run of MUL/ADD steps right after it.
    private static func longestFusibleSpan(_ steps: [Step]) -> Int {
        func isMulOrAdd(_ step: Step) -> Bool {
            switch step {
            case .mul, .add: return true
            default: return false
            }
        }
        var longest = 0
        for (i, step) in steps.enumerated() {
            guard case .conv2D = step else { continue }
            var end = i + 1
            while end < steps.count && isMulOrAdd(steps[end]) { end += 1 }
            longest = max(longest, 1 + (end - i))  // + 1: the pool before the conv
        }
        return longest
    }

    /// Reads and prepares a TFLite file's bytes.
    public convenience init(bytes: [UInt8], maxBatch: Int = 1, fast: FastOptions? = FastOptions(),
                            preserveAllTensors: Bool = false) throws {
        try self.init(model: Model(bytes: bytes), maxBatch: maxBatch, fast: fast, preserveAllTensors: preserveAllTensors)
    }

    deinit { arena.deallocate() }

    /// Bytes of the one arena holding constants, activations (shared where lifetimes allow)
    /// and scratch.
    public var memoryBytes: Int { arenaBytes }

    /// True when some operators run on the fast C kernels (see `FastOptions`).
    public var usesFastKernels: Bool { fastPlan != nil }

    /// Storage of graph input `index` for `maxBatch` samples, sample after sample.
    public func inputBuffer(_ index: Int = 0) -> UnsafeMutableRawBufferPointer {
        let slot = slots[inputs[index].index]
        return UnsafeMutableRawBufferPointer(start: arena + slot.offset, count: slot.bytesPerSample * maxBatch)
    }

    /// Storage of graph output `index` for `maxBatch` samples; the first `batch` are valid after `invoke`.
    public func outputBuffer(_ index: Int = 0) -> UnsafeRawBufferPointer {
        let slot = slots[outputs[index].index]
        return UnsafeRawBufferPointer(start: arena + slot.offset, count: slot.bytesPerSample * maxBatch)
    }

    /// The bytes of tensor `index` for the first `batch` samples (constants: the whole tensor).
    /// Intermediates are only meaningful when built with `preserveAllTensors`.
    public func tensorBytes(_ index: Int, batch: Int = 1) -> UnsafeRawBufferPointer? {
        guard slots.indices.contains(index), batch >= 1, batch <= maxBatch else { return nil }
        let slot = slots[index]
        return UnsafeRawBufferPointer(start: arena + slot.offset, count: slot.bytesPerSample * (slot.isConstant ? 1 : batch))
    }

    /// Runs the graph on the first `batch` samples of the input buffers.
    public func invoke(batch: Int = 1) throws {
        guard batch >= 1 && batch <= maxBatch else { throw InferenceError.batchOutOfRange(requested: batch, maximum: maxBatch) }
        for (i, step) in steps.enumerated() where fastPlan?.run(step: i, batch: batch) != true { evaluate(step, batch: batch) }
    }

    /// Copies `input` (batch · input bytes, for a single-input model) in, runs, and returns the
    /// first output's bytes. Convenient, but allocates the result.
    public func run(_ input: [UInt8], batch: Int = 1) throws -> [UInt8] {
        let expected = inputs[0].bytesPerSample * batch
        guard input.count == expected else { throw InferenceError.inputSize(index: 0, expected: expected, actual: input.count) }
        guard batch >= 1 && batch <= maxBatch else { throw InferenceError.batchOutOfRange(requested: batch, maximum: maxBatch) }
        input.withUnsafeBytes { inputBuffer(0).baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: expected) }
        try invoke(batch: batch)
        return Array(outputBuffer(0).prefix(outputs[0].bytesPerSample * batch))
    }

    // MARK: evaluation

    private func pointer(_ tensor: Int, sample: Int = 0) -> UnsafeMutableRawPointer {
        let slot = slots[tensor]
        return arena + slot.offset + (slot.isConstant ? 0 : sample * slot.bytesPerSample)
    }

    private func int8(_ tensor: Int, sample: Int = 0) -> UnsafeMutablePointer<Int8> {
        pointer(tensor, sample: sample).assumingMemoryBound(to: Int8.self)
    }

    private func int32(_ tensor: Int?) -> UnsafePointer<Int32>? {
        tensor.map { UnsafePointer(pointer($0).assumingMemoryBound(to: Int32.self)) }
    }

    private var scratch: UnsafeMutablePointer<Int32> { (arena + scratchOffset).assumingMemoryBound(to: Int32.self) }

    private func evaluate(_ step: Step, batch: Int) {
        switch step {
        case .conv2D(let s):
            conv2DAccumulate(acc: scratch, input: int8(s.input), filter: int8(s.filter), bias: int32(s.bias),
                             params: s.params, batches: batch)
            s.multipliers.withUnsafeBufferPointer { m in
                requantizePerChannel(output: int8(s.output), acc: scratch,
                                     count: batch * s.params.outputPositions * s.params.outputChannels,
                                     channels: s.params.outputChannels, multipliers: m.baseAddress!,
                                     outputOffset: s.params.outputOffset, activationMin: s.params.activationMin,
                                     activationMax: s.params.activationMax)
            }
        case .depthwiseConv2D(let s):
            s.multipliers.withUnsafeBufferPointer { m in
                depthwiseConv2DReference(output: int8(s.output), input: int8(s.input), filter: int8(s.filter),
                                         bias: int32(s.bias), multipliers: m.baseAddress!, params: s.params, batches: batch)
            }
        case .fullyConnected(let s):
            let rows = batch * s.rowsPerSample
            fullyConnectedAccumulate(acc: scratch, input: int8(s.input), weights: int8(s.weights), bias: int32(s.bias),
                                     params: s.params, batches: rows)
            s.multipliers.withUnsafeBufferPointer { m in
                requantizeFullyConnected(output: int8(s.output), acc: scratch, multipliers: m.baseAddress!,
                                         params: s.params, batches: rows)
            }
        case .maxPool2D(let s):
            maxPool2DReference(output: int8(s.output), input: int8(s.input), params: s.params, batches: batch)
        case .averagePool2D(let s):
            averagePool2DReference(output: int8(s.output), input: int8(s.input), params: s.params, batches: batch)
        case .mean(let s):
            for k in 0..<batch {
                meanReference(output: int8(s.output, sample: k), input: int8(s.input, sample: k), params: s.params, acc: scratch)
            }
        case .add(let s):
            for k in 0..<batch {
                addReference(output: int8(s.output, sample: k), input1: int8(s.input1, sample: k),
                             input2: int8(s.input2, sample: k), plan: s.plan, params: s.params)
            }
        case .mul(let s):
            for k in 0..<batch {
                mulReference(output: int8(s.output, sample: k), input1: int8(s.input1, sample: k),
                             input2: int8(s.input2, sample: k), plan: s.plan, params: s.params)
            }
        case .softmax(let s):
            softmaxReference(output: int8(s.output), input: int8(s.input), rows: batch * s.rowsPerSample, params: s.params)
        case .quantize(let s):
            quantizeReference(output: int8(s.output), input: pointer(s.input).assumingMemoryBound(to: Float.self),
                              count: batch * s.count, scale: s.scale, zeroPoint: s.zeroPoint)
        case .dequantize(let s):
            dequantizeReference(output: pointer(s.output).assumingMemoryBound(to: Float.self), input: int8(s.input),
                                count: batch * s.count, scale: s.scale, zeroPoint: s.zeroPoint)
        case .copy(let s):
            pointer(s.output).copyMemory(from: pointer(s.input), byteCount: batch * s.bytes)
        case .pad(let s):
            for k in 0..<batch {
                padReference(output: pointer(s.output, sample: k), input: pointer(s.input, sample: k), params: s.params)
            }
        case .concatenation(let s):
            for k in 0..<batch {
                concatenationReference(output: pointer(s.output, sample: k), inputCount: s.inputs.count,
                                       input: { UnsafeRawPointer(self.pointer(s.inputs[$0], sample: k)) },
                                       slabBytes: s.slabBytes, outerCount: s.outerCount)
            }
        }
    }
}
