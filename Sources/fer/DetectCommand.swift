import ArgumentParser
import Detect
import Foundation
import Imaging

/// `fer detect`: runs the Haar cascade detector on JPEG files.
struct DetectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect", abstract: "Find faces (or any Haar cascade's objects) in JPEG images.")

    static let defaultCascade = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml"

    @Argument(help: "JPEG images.") var images: [String]
    @Option(help: "OpenCV Haar cascade XML.") var cascade = DetectCommand.defaultCascade
    @Option(help: "Pyramid scale step (> 1).") var scaleFactor = 1.1
    @Option(help: "Neighbours a group needs to be kept (0 = raw windows).") var minNeighbors = 3
    @Option(help: "Smallest object, in pixels (square).") var minSize = 0
    @Option(help: "Largest object, in pixels (square, 0 = image size).") var maxSize = 0
    @Option(help: "Scanning threads.") var threads = 1
    @Option(help: "Gray conversion: opencv (bit-exact with cv2.imread+cvtColor) or luma (JPEG Y plane).")
    var gray = "opencv"
    @Flag(help: "Print one JSON object per image: {image, width, height, boxes: [[x,y,w,h]...], ms}.") var json = false
    @Option(help: "Write the image with boxes drawn to this JPEG (with several images: OUT-<n>.jpg).") var annotate: String?

    func validate() throws {
        guard scaleFactor > 1 else { throw ValidationError("--scale-factor must be > 1") }
        guard threads >= 1 else { throw ValidationError("--threads must be >= 1") }
        guard minSize >= 0, maxSize >= 0, minNeighbors >= 0 else { throw ValidationError("sizes and --min-neighbors must be >= 0") }
        guard gray == "opencv" || gray == "luma" else { throw ValidationError("--gray must be opencv or luma") }
    }

    func run() throws {
        let model = try Cascade(contentsOf: cascade)
        let detector = FaceDetector(cascade: model, parameters: DetectionParameters(
            scaleFactor: scaleFactor, minNeighbors: minNeighbors, minSize: Size(width: minSize, height: minSize),
            maxSize: Size(width: maxSize, height: maxSize), threads: threads))
        for (n, path) in images.enumerated() {
            guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
            let bytes = [UInt8](data)
            let image = try JPEG.decodeGray(bytes, conversion: gray == "opencv" ? .opencv : .luma)
            let start = DispatchTime.now().uptimeNanoseconds
            let boxes = detector.detect(image)
            let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            if json {
                let list = boxes.map { "[\($0.x),\($0.y),\($0.width),\($0.height)]" }.joined(separator: ",")
                print("{\"image\":\(jsonString(path)),\"width\":\(image.width),\"height\":\(image.height),\"boxes\":[\(list)],\"ms\":\(String(format: "%.2f", ms))}")
            } else {
                print("\(path): \(boxes.count) found in \(String(format: "%.1f", ms)) ms")
                for b in boxes { print("  \(b.x) \(b.y) \(b.width) \(b.height)") }
            }
            if let annotate {
                let out = images.count == 1 ? annotate : annotatedName(annotate, n)
                try writeAnnotated(bytes, boxes: boxes, to: out)
            }
        }
    }

    private func annotatedName(_ base: String, _ n: Int) -> String {
        let url = URL(fileURLWithPath: base)
        let stem = url.deletingPathExtension().lastPathComponent
        return url.deletingLastPathComponent().appendingPathComponent("\(stem)-\(n).jpg").path
    }

    /// Draws 2-pixel green boxes on the colour image and encodes it with libjpeg.
    private func writeAnnotated(_ jpeg: [UInt8], boxes: [Rect], to path: String) throws {
        let decoded = try JPEG.decodeRGB(jpeg)
        let w = decoded.width, h = decoded.height
        var rgb = decoded.rgb
        func plot(_ x: Int, _ y: Int) {
            guard x >= 0, y >= 0, x < w, y < h else { return }
            let i = (y * w + x) * 3
            rgb[i] = 0; rgb[i + 1] = 255; rgb[i + 2] = 0
        }
        for b in boxes {
            for t in 0..<2 {
                for x in b.x..<b.maxX { plot(x, b.y + t); plot(x, b.maxY - 1 - t) }
                for y in b.y..<b.maxY { plot(b.x + t, y); plot(b.maxX - 1 - t, y) }
            }
        }
        let out = try JPEG.encodeRGB(rgb, width: w, height: h, quality: 90)
        guard FileManager.default.createFile(atPath: path, contents: Data(out)) else { throw ValidationError("cannot write \(path)") }
    }

    private func jsonString(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where c.value < 0x20: out += String(format: "\\u%04x", c.value)
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }
}
