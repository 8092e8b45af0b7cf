import Dataset
import Foundation
import Imaging
import Inference
import Recognize
import TFLiteModel
import Testing

// The shipped default model (issue 8): the one .tflite file in firmware-models/, which ferd loads
// when its config names no model. Checks its metadata and runs it on real faces.

private let modelRepoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

private func shippedModel() throws -> (url: URL, bytes: [UInt8]) {
    let dir = modelRepoRoot.appendingPathComponent("firmware-models")
    let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".tflite") }
    try #require(files.count == 1, "firmware-models/ must hold exactly one .tflite (the default), found \(files)")
    let url = dir.appendingPathComponent(files[0])
    return (url, [UInt8](try Data(contentsOf: url)))
}

@Test func shippedModelCarriesLabelsAndPreprocessing() throws {
    let (url, bytes) = try shippedModel()
    // int8 weights: ~1 byte per weight (the shipped 2.39M-weight net is 2.4 MB; float would be ~9.6 MB).
    #expect(bytes.count < 4_000_000, "\(url.lastPathComponent) is \(bytes.count) bytes")
    let model = try TFLiteModel.Model(bytes: bytes)
    let meta = try RecognitionMetadata(model: model)
    // The 8 FERPlus classes in the trainer's (alphabetical) order.
    #expect(meta.labels == ["anger", "contempt", "disgust", "fear", "happiness", "neutral", "sadness", "surprise"])
    #expect(meta.labels == Emotion.allCases.map(\.name))
    let pre = try #require(meta.preprocess)
    let interpreter = try Interpreter(model: model)
    let input = interpreter.inputs[0], output = interpreter.outputs[0]
    #expect(input.type == .int8 && output.type == .int8)
    #expect(input.shape == [1, pre.inputHeight, pre.inputWidth, 1])
    #expect(pre.inputScale == input.scale && Int32(pre.inputZeroPoint) == input.zeroPoint)
    #expect(pre.inputScale == Float(1.0 / 255) && pre.inputZeroPoint == -128 && pre.pixelScale == Float(1.0 / 255))
    #expect(output.shape == [1, 8] && output.scale == 1.0 / 256 && output.zeroPoint == -128)
}

/// The ten faces in samples/faces (one smiling public-domain astronaut, see samples/README.md), with
/// the boxes OpenCV's haarcascade_frontalface_default finds in them (scaleFactor 1.1, minNeighbors 3,
/// minSize 40; printed by samples/make_samples.py).
private let sampleFaces: [(file: String, boxes: [Rect])] = [
    ("frame00.jpg", [Rect(x: 124, y: 155, width: 88, height: 88)]),
    ("frame01.jpg", [Rect(x: 182, y: 149, width: 91, height: 91)]),
    ("frame02.jpg", [Rect(x: 240, y: 145, width: 94, height: 94)]),
    ("frame03.jpg", [Rect(x: 297, y: 138, width: 102, height: 102)]),
    ("frame04.jpg", [Rect(x: 352, y: 132, width: 110, height: 110)]),
    ("frame05.jpg", [Rect(x: 409, y: 126, width: 116, height: 116)]),
    ("frame06.jpg", [Rect(x: 103, y: 56, width: 71, height: 71), Rect(x: 466, y: 57, width: 70, height: 70),
                     Rect(x: 124, y: 316, width: 57, height: 57), Rect(x: 458, y: 315, width: 59, height: 59)]),
]

@Test func shippedModelSeesTheSmileOnSampleFaces() throws {
    let recognizer = try Recognizer(bytes: try shippedModel().bytes, maxBatch: 4)
    let happiness = try #require(recognizer.labels.firstIndex(of: "happiness"))
    var top = 0, total = 0
    var happy: [Float] = []
    for (file, boxes) in sampleFaces {
        let jpeg = [UInt8](try Data(contentsOf: modelRepoRoot.appendingPathComponent("samples/faces/\(file)")))
        let image = try JPEG.decodeGray(jpeg)
        for p in try recognizer.classify(image, faces: boxes) {
            let sum = p.probabilities.reduce(0, +)
            #expect(abs(sum - 1) < 0.05, "probabilities of a face sum to \(sum)")
            total += 1
            if p.best == happiness { top += 1 }
            happy.append(p.probabilities[happiness])
        }
    }
    // Every face is the same smiling person (crops at 57-116 px, some mirrored): a working expression
    // model calls most of them happy. Flips and scale changes may flip a borderline face, so not all.
    #expect(top >= 8, "happiness is the top class on \(top) of \(total) faces; p(happiness) = \(happy)")
    #expect(happy.reduce(0, +) / Float(happy.count) > 0.5, "mean p(happiness) \(happy.reduce(0, +) / Float(happy.count))")
}
