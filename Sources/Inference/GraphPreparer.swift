import QuantMath
import TFLiteModel

/// The result of validating and preparing a graph, before the arena is laid out.
struct PreparedGraph {
    var slots: [TensorSlot]
    var constants: [(tensor: Int, data: [UInt8])]
    var steps: [Step]
    var layers: [LayerInfo]
    var inputs: [TensorInfo]
    var outputs: [TensorInfo]
    var scratchInt32PerSample: Int
    /// For each activation, the operators (by index) from its writer to its last reader;
    /// graph inputs and outputs live for the whole run.
    var lifetimes: [ClosedRange<Int>?]
    /// Why several samples cannot run in one call, or nil when they can.
    var batchBlocker: String?
}

/// Validates subgraph 0 of a model and turns each operator into a `Step`.
struct GraphPreparer {
    static let supported: Set<BuiltinOperator> = [
        .conv2D, .depthwiseConv2D, .fullyConnected, .maxPool2D, .averagePool2D, .mean, .add, .mul,
        .reshape, .softmax, .quantize, .dequantize, .pad, .concatenation,
    ]

    let model: Model
    let graph: SubGraph
    private var slots: [TensorSlot]
    private var constants: [(tensor: Int, data: [UInt8])] = []
    private var steps: [Step] = []
    private var layers: [LayerInfo] = []
    private var scratch = 0
    private var batchBlocker: String?
    private var written: Set<Int> = []

    init(model: Model) throws {
        guard let graph = model.subgraphs.first else { throw InferenceError.invalidGraph("the model has no subgraph") }
        // Models built in code (the trainer's exporter) skip the reader's index checks: repeat them.
        for (k, op) in graph.operators.enumerated() {
            guard Int(op.opcodeIndex) < model.operatorCodes.count else {
                throw InferenceError.invalidGraph("operator \(k): opcode index \(op.opcodeIndex) out of range")
            }
            for t in op.inputs + op.outputs where t < -1 || Int(t) >= graph.tensors.count {
                throw InferenceError.invalidGraph("operator \(k): tensor index \(t) out of range")
            }
        }
        for t in graph.inputs + graph.outputs where t < 0 || Int(t) >= graph.tensors.count {
            throw InferenceError.invalidGraph("graph input/output tensor \(t) out of range")
        }
        for (i, t) in graph.tensors.enumerated() where t.buffer != 0 && Int(t.buffer) >= model.buffers.count {
            throw InferenceError.invalidTensor(index: i, name: t.name, reason: "buffer \(t.buffer) out of range")
        }
        self.model = model
        self.graph = graph
        slots = Array(repeating: TensorSlot(offset: 0, bytesPerSample: 0, isConstant: false), count: graph.tensors.count)
    }

    func opName(_ op: Operator) -> String {
        let code = model.operatorCodes[Int(op.opcodeIndex)]
        if code.op == .custom { return "CUSTOM(\(code.customCode ?? "?"))" }
        return code.op.description
    }

    mutating func prepare() throws -> PreparedGraph {
        // 1. Every unsupported operator, listed once with its count.
        var missing: [String: Int] = [:]
        for op in graph.operators where !Self.supported.contains(model.operatorCodes[Int(op.opcodeIndex)].op) {
            missing[opName(op), default: 0] += 1
        }
        if !missing.isEmpty {
            throw InferenceError.unsupportedOperators(missing.keys.sorted().map { missing[$0]! > 1 ? "\($0) x\(missing[$0]!)" : $0 })
        }
        guard !graph.inputs.isEmpty, !graph.outputs.isEmpty else { throw InferenceError.invalidGraph("no inputs or outputs") }
        // 2. Tensor storage: constants hold their buffer; everything else is an activation.
        for (i, t) in graph.tensors.enumerated() {
            let data = t.buffer == 0 || Int(t.buffer) >= model.buffers.count ? [] : model.buffers[Int(t.buffer)].data
            guard let count = t.elementCount else { throw InferenceError.invalidTensor(index: i, name: t.name, reason: "bad shape \(t.shape)") }
            guard let size = t.type.byteSize else {
                if data.isEmpty { continue }  // an unused tensor of an odd type is harmless
                throw InferenceError.invalidTensor(index: i, name: t.name, reason: "unsupported type \(t.type)")
            }
            guard count * size <= 1 << 30 else { throw InferenceError.invalidTensor(index: i, name: t.name, reason: "too large") }
            if !data.isEmpty {
                guard data.count == count * size else {
                    throw InferenceError.invalidTensor(index: i, name: t.name,
                                                       reason: "buffer holds \(data.count) bytes, shape \(t.shape) needs \(count * size)")
                }
                slots[i] = TensorSlot(offset: 0, bytesPerSample: data.count, isConstant: true)
                constants.append((i, data))
                written.insert(i)
            } else {
                slots[i] = TensorSlot(offset: 0, bytesPerSample: count * size, isConstant: false)
                if t.shape.first != 1 { batchBlocker = batchBlocker ?? "tensor '\(t.name)' has shape \(t.shape), not [1, ...]" }
            }
        }
        for i in graph.inputs {
            guard i >= 0, !slots[Int(i)].isConstant else { throw InferenceError.invalidGraph("graph input \(i) is not an activation") }
            written.insert(Int(i))
        }
        // 3. Operators, in order; each reads only tensors already written.
        for (index, op) in graph.operators.enumerated() {
            try prepareOperator(index, op)
        }
        for i in graph.outputs where i < 0 || !written.contains(Int(i)) {
            throw InferenceError.invalidGraph("graph output \(i) is never written")
        }
        return PreparedGraph(slots: slots, constants: constants, steps: steps, layers: layers,
                             inputs: try graph.inputs.map(info), outputs: try graph.outputs.map(info),
                             scratchInt32PerSample: scratch, lifetimes: lifetimes(), batchBlocker: batchBlocker)
    }

    private func lifetimes() -> [ClosedRange<Int>?] {
        var first = [Int?](repeating: nil, count: graph.tensors.count)
        var last = [Int?](repeating: nil, count: graph.tensors.count)
        for (k, op) in graph.operators.enumerated() {
            for t in op.inputs where t >= 0 { last[Int(t)] = k }
            for t in op.outputs where t >= 0 { first[Int(t)] = first[Int(t)] ?? k }
        }
        let whole = graph.operators.count
        for t in graph.inputs { (first[Int(t)], last[Int(t)]) = (-1, whole) }
        for t in graph.outputs { last[Int(t)] = whole }
        return graph.tensors.indices.map { i in
            guard !slots[i].isConstant, let f = first[i] else { return nil }
            return f...max(f, last[i] ?? f)
        }
    }

    private func info(_ index: Int32) throws -> TensorInfo {
        let i = Int(index)
        let t = graph.tensors[i]
        let q = t.quantization
        return TensorInfo(index: i, name: t.name, shape: t.shape.map(Int.init), type: t.type,
                          scale: q?.scale.first, zeroPoint: q?.zeroPoint.first.map { Int32(clamping: $0) },
                          bytesPerSample: slots[i].bytesPerSample)
    }

    // MARK: per-operator preparation

    private mutating func prepareOperator(_ index: Int, _ op: Operator) throws {
        let name = opName(op)
        func fail(_ reason: String) -> InferenceError { .invalidOperator(index: index, op: name, reason: reason) }
        var ctx = OperatorContext(model: model, index: index, name: name, op: op, graph: graph, slots: slots, fail: fail)
        // Inputs must exist already; outputs are new activations written exactly once.
        for i in op.inputs where i >= 0 && !written.contains(Int(i)) {
            throw fail("input tensor \(i) is read before any operator writes it")
        }
        guard !op.outputs.isEmpty else { throw fail("no outputs") }
        for o in op.outputs {
            guard o >= 0, !slots[Int(o)].isConstant, !written.contains(Int(o)) else {
                throw fail("output tensor \(o) is constant or written twice")
            }
        }
        let prepared = try ctx.prepare(model.operatorCodes[Int(op.opcodeIndex)].op)
        steps.append(prepared.step)
        scratch = max(scratch, prepared.scratchInt32)
        if let blocker = prepared.batchBlocker { batchBlocker = batchBlocker ?? "operator \(index) (\(name)): \(blocker)" }
        let out = Int(op.outputs[0])
        let outTensor = graph.tensors[out]
        let params = op.inputs.filter { $0 >= 0 && slots[Int($0)].isConstant && prepared.weightInputs.contains(Int($0)) }
            .reduce(0) { $0 + (graph.tensors[Int($1)].elementCount ?? 0) }
        layers.append(LayerInfo(
            index: index, op: name, outputName: outTensor.name, outputShape: outTensor.shape.map(Int.init),
            outputType: outTensor.type,
            outputQuantization: outTensor.quantization.flatMap { q in
                q.scale.first.map { ($0, Int32(clamping: q.zeroPoint.first ?? 0)) } },
            macs: prepared.macs, parameters: params, details: prepared.details))
        for o in op.outputs { written.insert(Int(o)) }
    }
}

/// What preparing one operator yields.
struct PreparedOperator {
    var step: Step
    var macs = 0
    var scratchInt32 = 0
    /// Constant inputs counted as parameters (weights, biases, constant operands).
    var weightInputs: Set<Int> = []
    var details = ""
    var batchBlocker: String?
}
