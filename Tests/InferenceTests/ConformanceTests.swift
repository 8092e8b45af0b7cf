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

    static func load(_ name: String) throws -> ConformanceCase {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: SharedData.conformance.appendingPathComponent("vectors.json")))
        let models = try #require((json as? [String: Any])?["models"] as? [String: Any])
        let entry = try #require(models[name] as? [String: Any])
        return ConformanceCase(name: name, count: try #require(entry["count"] as? Int),
                               inputBytesEach: try #require(entry["input_bytes_each"] as? Int),
                               outputBytesEach: try #require(entry["output_bytes_each"] as? Int))
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
    let single = try interpreter.run(Array(inputs.prefix(c.inputBytesEach)), batch: 1)
    #expect(single == Array(expected.prefix(c.outputBytesEach)))
}
