import Foundation
import Testing
import Imaging
import Recognize
import TFLiteModel

private func seed64(labels: [String]? = nil, margin: Float = 0) throws -> Model {
    var model = try Model(bytes: SharedData.bytes("seed64.tflite"))
    let input = model.subgraphs[0].tensors[Int(model.subgraphs[0].inputs[0])]
    RecognitionMetadata(labels: labels, preprocess: .init(
        inputWidth: 64, inputHeight: 64, inputScale: input.quantization!.scale[0],
        inputZeroPoint: Int(input.quantization!.zeroPoint[0]), cropMargin: margin)).attach(to: &model)
    return model
}

private let classes = ["anger", "contempt", "disgust", "fear", "happiness", "neutral", "sadness", "surprise"]

@Test func labelsAndPreprocessComeFromMetadata() throws {
    let model = try Model(bytes: seed64(labels: classes, margin: 0.25).serialized())
    #expect(try RecognitionMetadata(model: model).labels == classes)
    let recognizer = try Recognizer(model: model, maxBatch: 4)
    #expect(recognizer.labels == classes)
    #expect(recognizer.inputWidth == 64 && recognizer.inputHeight == 64 && recognizer.cropMargin == 0.25)
    #expect(recognizer.cropRect(for: Rect(x: 10, y: 10, width: 40, height: 40), frameWidth: 100, frameHeight: 55)
            == Rect(x: 0, y: 0, width: 60, height: 55))
}

@Test func classIndicesWithoutMetadata() throws {
    let recognizer = try Recognizer(bytes: SharedData.bytes("seed64.tflite"))
    #expect(recognizer.labels == (0..<8).map(String.init))
}

@Test func inconsistentMetadataIsRejected() throws {
    #expect(throws: RecognizeError.inconsistentMetadata("2 labels for 8 outputs")) {
        try Recognizer(model: seed64(labels: ["a", "b"]))
    }
    var model = try Model(bytes: SharedData.bytes("seed64.tflite"))
    RecognitionMetadata(preprocess: .init(inputWidth: 48, inputHeight: 48, inputScale: 1, inputZeroPoint: 0)).attach(to: &model)
    #expect(throws: RecognizeError.inconsistentMetadata("preprocess size 48x48, input tensor 64x64")) { try Recognizer(model: model) }
    var garbage = try Model(bytes: SharedData.bytes("seed64.tflite"))
    garbage.buffers.append(Buffer(data: Array("{not json".utf8)))
    garbage.metadata.append(Metadata(name: RecognitionMetadata.preprocessName, buffer: UInt32(garbage.buffers.count - 1)))
    #expect(throws: ModelError.self) { try Recognizer(model: garbage) }
}

@Test func identityResizeQuantizesEachPixel() throws {
    // A 64x64 face with no margin resizes 1:1, so input = pixel/255 quantized at 1/255, zp -128.
    let recognizer = try Recognizer(model: seed64())
    var image = GrayImage(width: 80, height: 70)
    for i in image.pixels.indices { image.pixels[i] = UInt8(truncatingIfNeeded: i * 7) }
    let input = try recognizer.preparedInput(image, face: Rect(x: 5, y: 3, width: 64, height: 64))
    var expected: [UInt8] = []
    for y in 3..<67 { for x in 5..<69 { expected.append(UInt8(bitPattern: Int8(Int(image[x, y]) - 128))) } }
    #expect(input == expected)
    // A uniform crop stays uniform after any resize.
    let gray = GrayImage(width: 200, height: 100, pixels: [UInt8](repeating: 200, count: 20_000))
    let scaled = try recognizer.preparedInput(gray, face: Rect(x: 50, y: 10, width: 37, height: 81))
    #expect(scaled.allSatisfy { $0 == UInt8(bitPattern: 72) })
}

@Test func batchOfRealFacesMatchesOneByOne() throws {
    let jpeg = [UInt8](try Data(contentsOf: SharedData.root.appendingPathComponent("conformance/haar/images/img_000.jpg")))
    let image = try JPEG.decodeGray(jpeg)
    // dlib ground-truth boxes of img_000.jpg (groundtruth.json), plus one hanging off the frame.
    let faces = [Rect(x: 194, y: 90, width: 37, height: 37), Rect(x: 158, y: 114, width: 37, height: 37),
                 Rect(x: 381, y: 89, width: 45, height: 44), Rect(x: 94, y: 198, width: 37, height: 37),
                 Rect(x: 178, y: 214, width: 37, height: 37), Rect(x: 480, y: 350, width: 60, height: 60)]
    let batched = try Recognizer(model: seed64(labels: classes, margin: 0.1), maxBatch: 4)
    let single = try Recognizer(model: seed64(labels: classes, margin: 0.1), maxBatch: 1)
    let all = try batched.classify(image, faces: faces)  // two batches: 4 + 2
    #expect(all.count == faces.count)
    for k in [0, 5] {  // one face of each batch
        #expect(try single.classify(image, faces: [faces[k]]) == [all[k]])
    }
    // The reference kernels (~1 s per face in a debug build) agree with the fast ones.
    let reference = try Recognizer(model: seed64(labels: classes, margin: 0.1), maxBatch: 1, fast: nil)
    #expect(try reference.classify(image, faces: [faces[2]]) == [all[2]])
    for (k, face) in faces.enumerated() {
        #expect(all[k].box == face)
        #expect(all[k].probabilities.count == 8)
        #expect(abs(all[k].probabilities.reduce(0, +) - 1) < 0.05)  // softmax at 1/256 steps
    }
    #expect(throws: RecognizeError.emptyCrop(Rect(x: 900, y: 0, width: 10, height: 10))) {
        try batched.classify(image, faces: [Rect(x: 900, y: 0, width: 10, height: 10)])
    }
}
