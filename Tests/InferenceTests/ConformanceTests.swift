import Foundation
import Testing
import Inference
import TFLiteModel

/// One conformance model's vectors, as described by vectors.json.
struct ConformanceCase {
    let name: String
    let count: Int
    let inputBytesEach: Int
    let outputBytesEach: Int
    let outputIsFloat: Bool
    /// Output values where LiteRT's XNNPACK delegate differs from its reference kernels.
    let xnnElementsDiffering: Int

    static func load(_ name: String) throws -> ConformanceCase {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: SharedData.conformance.appendingPathComponent("vectors.json")))
        let models = try #require((json as? [String: Any])?["models"] as? [String: Any])
        let entry = try #require(models[name] as? [String: Any])
        let output = try #require(entry["output"] as? [String: Any])
        let xnn = try #require(entry["xnn_vs_ref"] as? [String: Any])
        return ConformanceCase(name: name, count: try #require(entry["count"] as? Int),
                               inputBytesEach: try #require(entry["input_bytes_each"] as? Int),
                               outputBytesEach: try #require(entry["output_bytes_each"] as? Int),
                               outputIsFloat: output["dtype"] as? String == "float32",
                               xnnElementsDiffering: try #require(xnn["elements_differing"] as? Int))
    }
}

/// Every vector of every model reproduces LiteRT's reference-kernel output bit for bit,
/// run as one batch of all vectors (exercising the batch path) and the first vector alone.
@Test(arguments: SharedData.modelNames)
func matchesLiteRTReferenceKernels(name: String) throws {
    let c = try ConformanceCase.load(name)
    let inputs = try SharedData.bytes("\(name).inputs.bin")
    let expected = try SharedData.bytes("\(name).ref.bin")
    #expect(inputs.count == c.count * c.inputBytesEach)
    #expect(expected.count == c.count * c.outputBytesEach)
    let interpreter = try Interpreter(bytes: SharedData.bytes("\(name).tflite"), maxBatch: c.count)
    #expect(interpreter.inputs[0].bytesPerSample == c.inputBytesEach)
    #expect(interpreter.outputs[0].bytesPerSample == c.outputBytesEach)

    let batched = try interpreter.run(inputs, batch: c.count)
    for k in 0..<c.count {
        let range = k * c.outputBytesEach..<(k + 1) * c.outputBytesEach
        let differing = zip(batched[range], expected[range]).enumerated().filter { $0.element.0 != $0.element.1 }
        #expect(differing.isEmpty, "\(name) input \(k): \(differing.count) bytes differ, first at byte \(differing.first?.offset ?? -1)")
    }
    // XNNPACK's outputs differ from ours exactly where they differ from the reference.
    let xnn = try SharedData.bytes("\(name).xnn.bin")
    let elementSize = c.outputIsFloat ? 4 : 1
    let xnnDiffering = stride(from: 0, to: xnn.count, by: elementSize).filter { xnn[$0..<$0 + elementSize] != batched[$0..<$0 + elementSize] }.count
    #expect(xnnDiffering == c.xnnElementsDiffering)

    let single = try interpreter.run(Array(inputs.prefix(c.inputBytesEach)), batch: 1)
    #expect(single == Array(expected.prefix(c.outputBytesEach)))
}

/// Every activation of seed64 matches LiteRT's reference kernels, operator by operator, for the
/// two inputs whose intermediates are stored; a failure names the first differing operator.
@Test(arguments: [true, false])
func seed64IntermediatesMatchOpByOp(fastKernels: Bool) throws {
    let folder = SharedData.conformance.appendingPathComponent("seed64.intermediates")
    let index = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("index.json")))
    let tensors = try #require((index as? [String: Any])?["tensors"] as? [[String: Any]])
    let interpreter = try Interpreter(bytes: SharedData.bytes("seed64.tflite"), fast: fastKernels ? FastOptions() : nil,
                                      preserveAllTensors: true)
    let inputs = try SharedData.bytes("seed64.inputs.bin")
    let each = interpreter.inputs[0].bytesPerSample
    for sample in [0, 10] {
        _ = try interpreter.run(Array(inputs[sample * each..<(sample + 1) * each]))
        for entry in tensors {
            let tensor = try #require(entry["index"] as? Int)
            let files = try #require(entry["files"] as? [String: [String: Any]])
            let file = try #require(files["\(sample)"]?["file"] as? String)
            let expected = [UInt8](try Data(contentsOf: folder.appendingPathComponent(file)))
            let actual = try #require(interpreter.tensorBytes(tensor))
            let producer = (entry["producer"] as? [String: Any]).map { "op \($0["op_index"] ?? "?") \($0["op"] ?? "?")" } ?? "input"
            try #require(Array(actual) == expected, "input \(sample): tensor \(tensor) (\(producer)) differs")
        }
    }
}
