@testable import Inference
import Testing

/// The conformance vectors through the fast plan: every kernel kind this CPU runs, one and two
/// threads, with and without the CONV→MUL→ADD fusion, all bit for bit with LiteRT's reference kernels.
struct FastInterpreterCase: CustomStringConvertible, Sendable {
    var model: String
    var options: FastOptions?
    var description: String {
        guard let o = options else { return "\(model) reference" }
        return "\(model) \(o.kind) threads \(o.threads)\(o.fuseElementwise ? "" : " unfused")"
    }
}

let fastInterpreterCases: [FastInterpreterCase] = {
    var cases: [FastInterpreterCase] = []
    for model in SharedData.modelNames {
        cases.append(FastInterpreterCase(model: model, options: nil))
        // The best kind with default options is ConformanceTests' matchesLiteRTReferenceKernels.
        for kind in FastKernelKind.available where kind != .best {
            cases.append(FastInterpreterCase(model: model, options: FastOptions(kind: kind)))
        }
        cases.append(FastInterpreterCase(model: model, options: FastOptions(threads: 2)))
        cases.append(FastInterpreterCase(model: model, options: FastOptions(fuseElementwise: false)))
    }
    return cases
}()

@Suite("Fast interpreter plan")
struct FastInterpreterTests {
    @Test("conformance vectors bit-exact", arguments: fastInterpreterCases)
    func conformance(_ c: FastInterpreterCase) throws {
        let vectors = try ConformanceCase.load(c.model)
        // The unoptimized debug build of the scalar paths (and of the Swift reference) is slow on
        // seed64 (133.8M MACs per vector): two of its vectors keep this suite within seconds.
        let count = c.model.hasPrefix("seed64") && (c.options?.kind ?? .scalar) == .scalar ? 2 : vectors.count
        let inputs = Array(try SharedData.bytes("\(c.model).inputs.bin").prefix(count * vectors.inputBytesEach))
        let expected = Array(try SharedData.bytes("\(c.model).ref.bin").prefix(count * vectors.outputBytesEach))
        let interpreter = try Interpreter(bytes: SharedData.bytes("\(c.model).tflite"), maxBatch: count, fast: c.options)
        #expect((interpreter.fastPlan == nil) == (c.options == nil))
        let got = try interpreter.run(inputs, batch: count)
        let differing = got.indices.filter { got[$0] != expected[$0] }
        #expect(differing.isEmpty, "\(c): \(differing.count) bytes differ, first at \(differing.first ?? -1)")
        let single = try interpreter.run(Array(inputs.prefix(vectors.inputBytesEach)), batch: 1)
        #expect(single == Array(expected.prefix(vectors.outputBytesEach)), "\(c): batch 1")
    }

    @Test("seed64 runs every CONV_2D, FULLY_CONNECTED and MAX_POOL_2D fast, MUL/ADD and pools fused")
    func seed64Plan() throws {
        let interpreter = try Interpreter(bytes: SharedData.bytes("seed64.tflite"))
        let summary = try #require(interpreter.fastPlan?.summary)
        #expect(summary == "conv x10, fully_connected x3, fused x24, max_pool x1, reference x2", "\(summary)")
        let unfused = try Interpreter(bytes: SharedData.bytes("seed64.tflite"), fast: FastOptions(fuseElementwise: false))
        #expect(unfused.fastPlan?.summary == "channel_map x20, conv x10, fully_connected x3, max_pool x5, reference x2")
    }

    @Test("an unavailable kernel kind is a typed error")
    func unavailableKind() throws {
        let missing = FastKernelKind.allCases.filter { !$0.isAvailable }
        for kind in missing {
            #expect(throws: FastKernelError.unavailable(kind)) {
                try Interpreter(bytes: SharedData.bytes("conv_same_relu.tflite"), fast: FastOptions(kind: kind))
            }
        }
    }
}
