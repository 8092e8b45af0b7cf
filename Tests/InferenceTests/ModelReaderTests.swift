import Testing
import TFLiteModel

@Test(arguments: SharedData.modelNames)
func readsConformanceModel(name: String) throws {
    let model = try Model(bytes: SharedData.bytes("\(name).tflite"))
    #expect(model.version == 3)
    #expect(model.subgraphs.count == 1)
    let graph = model.subgraphs[0]
    #expect(graph.inputs.count == 1 && graph.outputs.count == 1)
    #expect(!graph.operators.isEmpty)
    // Write → read gives back the same model.
    let again = try Model(bytes: model.serialized())
    #expect(again == model)
}

@Test func seed64StructureMatchesTheREADME() throws {
    let model = try Model(bytes: SharedData.bytes("seed64.tflite"))
    let graph = model.subgraphs[0]
    let ops = graph.operators.map { model.operatorCodes[Int($0.opcodeIndex)].op }
    #expect(ops.filter { $0 == .conv2D }.count == 10)
    #expect(ops.filter { $0 == .mul }.count == 10)
    #expect(ops.filter { $0 == .fullyConnected }.count == 3)
    let input = graph.tensors[Int(graph.inputs[0])]
    #expect(input.shape == [1, 64, 64, 1])
    #expect(input.type == .int8)
    #expect(input.quantization?.zeroPoint == [-128])
    // The first conv's filter is per channel along axis 0.
    let conv = try #require(graph.operators.first { model.operatorCodes[Int($0.opcodeIndex)].op == .conv2D })
    let filter = graph.tensors[Int(conv.inputs[1])]
    #expect(filter.quantization?.scale.count == Int(filter.shape[0]))
    #expect(filter.quantization?.quantizedDimension == 0)
    #expect(model.buffers[Int(filter.buffer)].data.count == filter.elementCount)
    guard case .conv2D(let options) = conv.options else {
        Issue.record("CONV_2D without Conv2DOptions")
        return
    }
    #expect(options.padding == .same && options.activation == .relu && options.strideW == 1)
}
