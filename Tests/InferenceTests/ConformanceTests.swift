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
