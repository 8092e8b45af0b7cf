import Foundation
import Testing
@testable import Train

func repoRoot() -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}

@Test func trainReferenceModelHasKerasParameterCount() throws {
    // Keras' count_params for the reference model (trainable + BN moving statistics).
    let model = try Model(spec: .reference, seed: 1, threads: 1)
    #expect(model.parameterCount == 1_188_200)
    #expect(model.outputShape == Shape3(1, 1, 8))
    #expect(model.layers.compactMap { $0 as? Conv2DLayer }.map(\.outputShape.channels) == [32, 32, 64, 64, 64, 64, 128, 128, 128, 128])
}

@Test func trainCommittedReferenceSpecMatchesPreset() throws {
    let spec = try ModelSpec(contentsOf: repoRoot().appendingPathComponent("config/models/reference.spec"))
    #expect(spec == .reference)
    #expect(try ModelSpec(parsing: ModelSpec.reference.text) == .reference)
}

@Test(arguments: [
    ("conv 8 3 relu\n", 1, "`input H W C` as the first layer line"),
    ("input 8 8 1\nconv 8\n", 2, "`conv FILTERS KERNEL [linear|relu]`"),
    ("input 8 8 1\nconv 8 3 tanh\n", 2, "activation one of linear, relu"),
    ("input 8 8 1\n# comment\ndropout 1.5\n", 3, "dropout rate in [0, 1)"),
    ("input 8 8 1\nmaxpool 2\nwobble\n", 3, "a layer keyword: input, conv, bn, maxpool, flatten, dense, dropout, relu, softmax"),
    ("input 0 8 1\n", 1, "height: an integer in 1...4096"),
])
func trainSpecErrorsNameTheLine(_ c: (String, Int, String)) {
    #expect(throws: ModelSpecError.badLine(source: "t.spec", line: c.1,
                                           text: String(c.0.split(separator: "\n", omittingEmptySubsequences: false)[c.1 - 1]),
                                           expected: c.2)) {
        try ModelSpec(parsing: c.0, source: "t.spec")
    }
}

@Test func trainSpecShapeErrors() {
    #expect(throws: ModelSpecError.shape(source: "t", layer: 1, reason: "dense on a 4x4x2 input needs a flatten first")) {
        try ModelSpec(parsing: "input 4 4 1\nconv 2 3\ndense 3\n", source: "t")
    }
    #expect(throws: ModelSpecError.empty(source: "t")) { try ModelSpec(parsing: "# nothing\n", source: "t") }
    #expect(throws: ModelSpecError.shape(source: "t", layer: 0, reason: "maxpool 4 on a 2x2x1 input")) {
        try ModelSpec(parsing: "input 2 2 1\nmaxpool 4\n", source: "t")
    }
}

@Test func trainHeUniformInitIsSeededAndBounded() throws {
    let spec = try ModelSpec(parsing: "input 6 6 2\nconv 4 3 relu\nbn\nflatten\ndense 5 softmax\n")
    let a = try Model(spec: spec, seed: 9), b = try Model(spec: spec, seed: 9), c = try Model(spec: spec, seed: 10)
    #expect(a.parameters.map { $0.value.array() } == b.parameters.map { $0.value.array() })
    #expect(a.parameters[0].value.array() != c.parameters[0].value.array())
    let limit = (6.0 / 18.0).squareRoot()  // fan_in = 3*3*2
    #expect(a.parameters[0].value.array().allSatisfy { abs(Double($0)) <= limit })
    #expect(a.parameters[1].value.array().allSatisfy { $0 == 0 })  // conv bias
    #expect(a.parameters[2].value.array().allSatisfy { $0 == 1 })  // gamma
}
