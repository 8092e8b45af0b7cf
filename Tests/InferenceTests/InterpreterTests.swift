import Testing
import Inference
import TFLiteModel

/// A model written with the builder: 3x3 input → CONV_2D 3x3 SAME (all-ones filter) →
/// RESHAPE [1, 9] → FULLY_CONNECTED (sum of all nine) → [1, 1]; scales 1, zero points 0.
func tinyConvModel(outputShape: [Int32] = [1, 3, 3, 1], ops: [BuiltinOperator]? = nil) -> Model {
    func q(_ s: Float, _ zp: Int64 = 0) -> Quantization { Quantization(scale: [s], zeroPoint: [zp]) }
    let tensors = [
        Tensor(shape: [1, 3, 3, 1], type: .int8, name: "input", quantization: q(1)),
        Tensor(shape: [1, 3, 3, 1], type: .int8, buffer: 1, name: "filter", quantization: q(1)),
        Tensor(shape: [1], type: .int32, buffer: 2, name: "bias", quantization: q(1)),
        Tensor(shape: outputShape, type: .int8, name: "conv", quantization: q(1)),
        Tensor(shape: [1, 9], type: .int8, name: "flat", quantization: q(1)),
        Tensor(shape: [1, 9], type: .int8, buffer: 3, name: "weights", quantization: Quantization(scale: [0.5], zeroPoint: [0])),
        Tensor(shape: [1, 1], type: .int8, name: "sum", quantization: q(1, -100)),
    ]
    let codes = (ops ?? [.conv2D, .reshape, .fullyConnected]).map { OperatorCode($0) }
    let operators = [
        Operator(opcodeIndex: 0, inputs: [0, 1, 2], outputs: [3],
                 options: .conv2D(Conv2DOptions(padding: .same, strideW: 1, strideH: 1, activation: .relu))),
        Operator(opcodeIndex: 1, inputs: [3], outputs: [4], options: .reshape(newShape: [1, 9])),
        Operator(opcodeIndex: 2, inputs: [4, 5, -1], outputs: [6], options: .fullyConnected(FullyConnectedOptions())),
    ]
    let bias: [Int32] = [-2]
    let buffers = [
        Buffer(), Buffer(data: [UInt8](repeating: 1, count: 9)),
        Buffer(data: bias.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }),
        Buffer(data: [UInt8](repeating: 2, count: 9)),
        Buffer(data: Array("neutral\nhappiness".utf8)),
    ]
    return Model(operatorCodes: codes,
                 subgraphs: [SubGraph(tensors: tensors, inputs: [0], outputs: [6], operators: operators, name: "main")],
                 description: "tiny", buffers: buffers, metadata: [Metadata(name: "edgefer.labels", buffer: 4)])
}

@Test func writtenModelRunsInTheInterpreter() throws {
    let bytes = tinyConvModel().serialized()
    let model = try Model(bytes: bytes)
    #expect(model == tinyConvModel())
    #expect(model.metadataBytes(named: "edgefer.labels") == Array("neutral\nhappiness".utf8))
    let interpreter = try Interpreter(model: model, maxBatch: 2)
    #expect(interpreter.layers.map(\.op) == ["CONV_2D", "RESHAPE", "FULLY_CONNECTED"])
    #expect(interpreter.layers[0].macs == 81 && interpreter.layers[0].parameters == 10)
    let ones = [UInt8](repeating: 1, count: 9)
    let zeros = [UInt8](repeating: 0, count: 9)
    let out = try interpreter.run(ones + zeros, batch: 2)
    // Ones: conv gives 4,6,4 / 6,9,6 / 4,6,4 minus bias 2 = 2,4,2,4,7,4,2,4,2 (sum 31);
    // FC: 31 · 2 · 0.5 = 31, + zero point -100 → -69. Zeros: conv -2 → ReLU 0; FC → -100.
    #expect(out.map { Int8(bitPattern: $0) } == [-69, -100])
}

@Test func unsupportedOperatorsAreListedTogether() throws {
    var model = tinyConvModel()
    model.operatorCodes = [OperatorCode(BuiltinOperator(rawValue: 28)), OperatorCode(BuiltinOperator(rawValue: 14))]
    model.subgraphs[0].operators[1].opcodeIndex = 0
    model.subgraphs[0].operators[2].opcodeIndex = 1
    #expect(throws: InferenceError.unsupportedOperators(["LOGISTIC", "TANH x2"])) { try Interpreter(model: model) }
}

@Test func deprecatedBuiltinCodeIsHonoured() throws {
    // Old converters only fill deprecated_builtin_code; the larger of the two wins.
    var model = tinyConvModel()
    model.operatorCodes = [
        OperatorCode(deprecatedBuiltinCode: 3, customCode: nil, version: 1, builtinCode: 0),
        OperatorCode(deprecatedBuiltinCode: 22, customCode: nil, version: 1, builtinCode: 0),
        OperatorCode(deprecatedBuiltinCode: 0, customCode: nil, version: 1, builtinCode: 9),
    ]
    let interpreter = try Interpreter(model: Model(bytes: model.serialized()))
    #expect(interpreter.layers.map(\.op) == ["CONV_2D", "RESHAPE", "FULLY_CONNECTED"])
}

@Test func shapeMismatchNamesTheOperator() throws {
    let model = tinyConvModel(outputShape: [1, 2, 2, 1])
    #expect(throws: InferenceError.invalidOperator(index: 0, op: "CONV_2D",
                                                   reason: "output shape [1, 2, 2, 1], computed [1, 3, 3, 1]")) {
        try Interpreter(model: model)
    }
}

@Test func typeAndQuantizationErrors() throws {
    var model = tinyConvModel()
    model.subgraphs[0].tensors[0].type = .float32
    #expect(throws: InferenceError.invalidOperator(index: 0, op: "CONV_2D", reason: "input is float32, expected int8")) {
        try Interpreter(model: model)
    }
    var zeroScale = tinyConvModel()
    zeroScale.subgraphs[0].tensors[3].quantization?.scale = [0]
    #expect(throws: InferenceError.invalidOperator(index: 0, op: "CONV_2D", reason: "output scale 0.0 is not positive and finite")) {
        try Interpreter(model: zeroScale)
    }
    var shortBuffer = tinyConvModel()
    shortBuffer.buffers[1].data.removeLast()
    #expect(throws: InferenceError.invalidTensor(index: 1, name: "filter", reason: "buffer holds 8 bytes, shape [1, 3, 3, 1] needs 9")) {
        try Interpreter(model: shortBuffer)
    }
}

@Test func batchLimitsAreChecked() throws {
    let interpreter = try Interpreter(model: tinyConvModel(), maxBatch: 2)
    #expect(throws: InferenceError.batchOutOfRange(requested: 3, maximum: 2)) { try interpreter.invoke(batch: 3) }
    #expect(throws: InferenceError.inputSize(index: 0, expected: 9, actual: 8)) {
        try interpreter.run([UInt8](repeating: 0, count: 8))
    }
}

@Test func activationsShareMemory() throws {
    let model = try Model(bytes: SharedData.bytes("seed64.tflite"))
    let graph = model.subgraphs[0]
    let constants = graph.tensors.filter { $0.buffer != 0 && !model.buffers[Int($0.buffer)].data.isEmpty }
        .reduce(0) { $0 + $1.elementCount! * $1.type.byteSize! }
    let activations = graph.tensors.filter { $0.buffer == 0 || model.buffers[Int($0.buffer)].data.isEmpty }
        .reduce(0) { $0 + $1.elementCount! * $1.type.byteSize! }
    // Two samples of every activation would need 2 · activations; lifetimes let them share.
    // The largest pair alive together (conv output 64·64·32 and its MUL) bounds it from below.
    let scratch = 2 * 64 * 64 * 32 * 4  // int32 accumulators of the largest conv, per sample
    let reference = try Interpreter(model: model, maxBatch: 2, fast: nil)
    let activationBytes = reference.memoryBytes - constants - scratch
    #expect(activationBytes < activations)  // less than half of 2 · activations
    #expect(activationBytes >= 2 * 2 * 64 * 64 * 32)
    // Fused fast steps keep neighbouring tensors apart, so they share less, but still share.
    let fused = try Interpreter(model: model, maxBatch: 2)
    #expect(fused.memoryBytes - constants - scratch < 2 * activations)
    #expect(fused.memoryBytes >= reference.memoryBytes)
}

@Test func modelsBuiltInCodeAreCheckedToo() throws {
    var badIndex = tinyConvModel()
    badIndex.subgraphs[0].operators[1].inputs = [42]
    #expect(throws: InferenceError.invalidGraph("operator 1: tensor index 42 out of range")) { try Interpreter(model: badIndex) }
    var badCode = tinyConvModel()
    badCode.subgraphs[0].operators[0].opcodeIndex = 9
    #expect(throws: InferenceError.invalidGraph("operator 0: opcode index 9 out of range")) { try Interpreter(model: badCode) }
    var badBuffer = tinyConvModel()
    badBuffer.subgraphs[0].tensors[1].buffer = 77
    #expect(throws: InferenceError.invalidTensor(index: 1, name: "filter", reason: "buffer 77 out of range")) {
        try Interpreter(model: badBuffer)
    }
    var readBeforeWrite = tinyConvModel()
    readBeforeWrite.subgraphs[0].operators.swapAt(0, 1)
    #expect(throws: InferenceError.invalidOperator(index: 0, op: "RESHAPE", reason: "input tensor 3 is read before any operator writes it")) {
        try Interpreter(model: readBeforeWrite)
    }
}
