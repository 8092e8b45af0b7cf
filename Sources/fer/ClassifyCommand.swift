import ArgumentParser
import Foundation
import Imaging
import Recognize

/// `fer classify --model MODEL FACE.jpg...`: class probabilities of face crops.
struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Classify face images (each JPEG is one face crop): probabilities per class.")

    @Option(help: "The .tflite model (labels from its edgefer.labels metadata, else class indices).")
    var model: String

    @Flag(help: "One JSON object per image instead of text.")
    var json = false

    @Argument(help: "Face images (JPEG).")
    var images: [String]

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("give at least one face image") }
    }

    func run() throws {
        let recognizer = try Recognizer(bytes: readFile(model), maxBatch: 1)
        for path in images {
            let image = try JPEG.decodeGray(readFile(path))
            let face = Rect(x: 0, y: 0, width: image.width, height: image.height)
            guard let prediction = try recognizer.classify(image, faces: [face]).first else { continue }
            let labels = recognizer.labels
            if json {
                let probabilities = zip(labels, prediction.probabilities).map { "\"\(escape($0))\": \(String(format: "%.4f", Double($1)))" }
                print("{\"image\": \"\(escape(path))\", \"label\": \"\(escape(labels[prediction.best]))\", "
                      + "\"probabilities\": {\(probabilities.joined(separator: ", "))}}")
            } else {
                print("\(path): \(labels[prediction.best]) (\(String(format: "%.1f", Double(prediction.probabilities[prediction.best]) * 100))%)")
                for (label, p) in zip(labels, prediction.probabilities) {
                    print("  \(label.padding(toLength: max(12, label.count), withPad: " ", startingAt: 0)) \(String(format: "%.4f", Double(p)))")
                }
            }
        }
    }
}

private func escape(_ s: String) -> String {
    s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
}
