import Testing
import Inference
import TFLiteModel

// Hostile and damaged files: every outcome is a model or a typed error, never a crash.

/// Reads and, when that works, prepares the bytes; returns the error, if any, as a value.
private func outcome(_ bytes: [UInt8]) -> Error? {
    do {
        let model = try Model(bytes: bytes)
        _ = try Interpreter(model: model)
        return nil
    } catch {
        return error
    }
}

@Test func everyTruncationIsATypedError() throws {
    let bytes = try SharedData.bytes("conv_same_relu.tflite")
    for length in 0..<bytes.count {
        let error = outcome(Array(bytes.prefix(length)))
        #expect(error is ModelError || error is InferenceError, "prefix \(length): \(String(describing: error))")
    }
}

@Test func flippedBytesNeverCrash() throws {
    let bytes = try SharedData.bytes("dense_softmax.tflite")
    var rng = SplitMix64(seed: 7)
    var failures = 0
    for trial in 0..<3000 {
        var damaged = bytes
        for _ in 0..<(1 + trial % 4) {
            let at = Int(rng.next() % UInt64(bytes.count))
            damaged[at] ^= UInt8(truncatingIfNeeded: 1 << (rng.next() % 8))
        }
        if let error = outcome(damaged) {
            #expect(error is ModelError || error is InferenceError)
            failures += 1
        }
    }
    // Most flips land in weights and leave a valid model; some must hit structure.
    #expect(failures > 0)
}

@Test func hostileOffsetsNameTheTable() throws {
    // Root offset past the end.
    #expect(throws: ModelError.offsetOutOfBounds(table: "Model", field: "root", offset: 0x7FFF_FFF0, size: 8)) {
        try Model(bytes: [0xF0, 0xFF, 0xFF, 0x7F, 0x54, 0x46, 0x4C, 0x33])
    }
    // A table whose vtable offset points before the file.
    #expect(throws: ModelError.badVTable(table: "Model", offset: -92)) {
        try Model(bytes: [8, 0, 0, 0, 0x54, 0x46, 0x4C, 0x33, 100, 0, 0, 0])
    }
    // A vector claiming a billion tensors.
    var builder = FlatBufferBuilder()
    let huge = builder.createVector([Int32(0x1234_5678)])
    builder.startTable()
    builder.add(2, huge)
    let root = builder.endTable()
    var bytes = builder.finish(root: root, fileIdentifier: "TFL3")
    let marker = try #require((4...bytes.count - 4).first { Array(bytes[$0..<$0 + 4]) == [0x78, 0x56, 0x34, 0x12] })
    bytes[marker - 1] = 0x40  // the element count before the marker becomes 0x40000001
    #expect(throws: ModelError.vectorTooLong(table: "Model", field: "subgraphs", count: 0x4000_0001)) {
        try Model(bytes: bytes)
    }
}

@Test func indexErrorsAreCaughtAtRead() throws {
    var model = try Model(bytes: SharedData.bytes("conv_same_relu.tflite"))
    model.subgraphs[0].operators[0].inputs[0] = 99
    #expect(throws: ModelError.indexOutOfRange(table: "Operator", field: "inputs", index: 99, count: model.subgraphs[0].tensors.count)) {
        try Model(bytes: model.serialized())
    }
    var badCode = try Model(bytes: SharedData.bytes("conv_same_relu.tflite"))
    badCode.subgraphs[0].operators[0].opcodeIndex = 5
    #expect(throws: ModelError.indexOutOfRange(table: "Operator", field: "opcode_index", index: 5, count: 1)) {
        try Model(bytes: badCode.serialized())
    }
    var badBuffer = try Model(bytes: SharedData.bytes("conv_same_relu.tflite"))
    badBuffer.subgraphs[0].tensors[1].buffer = 1000
    #expect(throws: ModelError.indexOutOfRange(table: "Tensor", field: "buffer", index: 1000, count: badBuffer.buffers.count)) {
        try Model(bytes: badBuffer.serialized())
    }
}

@Test func sharedSubtablesCannotExplodeDecoding() throws {
    // 20,000 subgraph entries all pointing at one subgraph with many tensors: tiny file, huge decode.
    var builder = FlatBufferBuilder()
    let shape = builder.createVector([Int32(1)])
    var tensors: [FlatBufferOffset] = []
    for _ in 0..<200 {
        builder.startTable()
        builder.add(0, shape)
        tensors.append(builder.endTable())
    }
    let tensorVector = builder.createVector(tensors)
    builder.startTable()
    builder.add(0, tensorVector)
    let subgraph = builder.endTable()
    let subgraphs = builder.createVector([FlatBufferOffset](repeating: subgraph, count: 20_000))
    builder.startTable()
    builder.add(2, subgraphs)
    let root = builder.endTable()
    let bytes = builder.finish(root: root, fileIdentifier: "TFL3")
    #expect(throws: ModelError.self) { try Model(bytes: bytes) }
}

@Test func invalidUTF8NamesTheField() throws {
    var model = tinyConvModel()
    model.subgraphs[0].tensors[0].name = "QQQQ"
    var bytes = model.serialized()
    let at = try #require((0...bytes.count - 4).first { Array(bytes[$0..<$0 + 4]) == Array("QQQQ".utf8) })
    bytes[at + 1] = 0xFF
    #expect(throws: ModelError.invalidUTF8(table: "Tensor", field: "name")) { try Model(bytes: bytes) }
    #expect(decodeUTF8([0x61, 0xC3, 0xA9]) == "aé")
    #expect(decodeUTF8([0x61, 0xC3]) == nil)
}
