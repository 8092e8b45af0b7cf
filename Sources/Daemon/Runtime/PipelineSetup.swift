import Capture
import Detect
import FoundationEssentials
import Inference
import Logging
import Recognize
import TFLiteModel

/// Builds the camera pipeline's parts from the configuration: the frame source named by
/// `camera.source`, the detector and the recognizer. Every problem is a `ConfigError` naming the
/// key, so `ferd` exits 78 (EX_CONFIG) instead of restarting in a loop.
public enum PipelineSetup {
    /// Where `auto` finds the committed sample frames and `model.path = ""` the shipped model:
    /// the working directory, then the executable's folder and its ancestors (a SwiftPM build sits
    /// in `<repo>/.build/<triple>/release/`), then `<prefix>/share/edgefer` beside `<prefix>/bin`.
    public static func searchRoots() -> [String] {
        var roots = [FileManager.default.currentDirectoryPath]
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        roots.append(dir.deletingLastPathComponent().appendingPathComponent("share/edgefer").path)
        for _ in 0..<5 {
            roots.append(dir.path)
            dir = dir.deletingLastPathComponent()
        }
        return roots
    }

    /// The first `root/relative` that exists.
    static func find(_ relative: String, roots: [String] = searchRoots()) -> String? {
        roots.lazy.map { $0 + "/" + relative }.first { FileManager.default.fileExists(atPath: $0) }
    }

    /// `model.path`, or when it is empty the one `.tflite` file in `firmware-models/`.
    public static func modelPath(_ config: FerdConfig, roots: [String] = searchRoots()) throws(ConfigError) -> String {
        if !config.model.path.isEmpty { return config.model.path }
        func fail(_ m: String) -> ConfigError { ConfigError(file: "model.path", line: nil, key: nil, m) }
        guard let dir = find("firmware-models", roots: roots) else {
            throw fail("\"\" means the shipped model in firmware-models/, but there is no such folder in \(roots.joined(separator: ", ")); set model.path")
        }
        let models = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".tflite") }.sorted()
        switch models.count {
        case 1: return dir + "/" + models[0]
        case 0: throw fail("\"\" means the shipped model, but \(dir) holds no .tflite file; set model.path")
        default: throw fail("\"\" means the shipped model, but \(dir) holds several (\(models.joined(separator: ", "))); set model.path")
        }
    }

    /// The source named by `camera.source`: a V4L2 device path, `auto`, `folder:DIR` or `mjpeg:FILE`.
    public static func source(_ config: FerdConfig, logger: Logger) throws(ConfigError) -> any FrameSource {
        let c = config.camera
        let spec = c.source
        func fail(_ m: String) -> ConfigError { ConfigError(file: "camera.source", line: nil, key: nil, "\"\(spec)\": \(m)") }
        do {
            if spec.hasPrefix("folder:") {
                return try JPEGFileSource(folder: String(spec.dropFirst("folder:".count)), fps: Double(c.fps),
                                          scaleDenominator: c.decodeScale, logger: logger)
            }
            if spec.hasPrefix("mjpeg:") {
                return try JPEGFileSource(mjpegFile: String(spec.dropFirst("mjpeg:".count)), fps: Double(c.fps),
                                          scaleDenominator: c.decodeScale, logger: logger)
            }
            var camera = cameraConfig(config)
            if spec == "auto" {
                camera.path = "/dev/video0"
                guard let samples = find("samples/faces") else {
                    if FileManager.default.fileExists(atPath: camera.path) { return try V4L2Camera(config: camera, logger: logger) }
                    throw fail("no /dev/video0 and no samples/faces folder in \(searchRoots().joined(separator: ", "))")
                }
                return try FrameSources.cameraOrFolder(camera, fallbackFolder: samples, fps: Double(c.fps), logger: logger)
            }
            return try V4L2Camera(config: camera, logger: logger)
        } catch let e as CaptureError {
            throw fail(e.description)
        } catch let e as ConfigError {
            throw e
        } catch {
            throw fail("\(error)")
        }
    }

    /// `[camera]` as the capture module's configuration.
    public static func cameraConfig(_ config: FerdConfig) -> CameraConfig {
        let c = config.camera
        let formats = c.pixelFormat == "auto" ? [.yuyv, .grey, .mjpeg] : CapturePixelFormat(rawValue: c.pixelFormat).map { [$0] } ?? []
        return CameraConfig(path: c.source, formats: formats, width: c.width, height: c.height, fps: c.fps,
                            bufferCount: c.buffers, mjpegScaleDenominator: c.decodeScale,
                            maxBackoff: .seconds(c.retryMaxSeconds))
    }

    /// The Haar detector of `[detector]`.
    public static func detector(_ config: FerdConfig) throws(ConfigError) -> FaceDetector {
        let d = config.detector
        let cascade: Cascade
        do {
            cascade = try Cascade(contentsOf: d.cascade)
        } catch {
            throw ConfigError(file: "detector.cascade", line: nil, key: nil, "\(d.cascade): \(error)")
        }
        let params = DetectionParameters(scaleFactor: d.scaleFactor, minNeighbors: d.minNeighbors,
                                         minSize: Size(width: d.minSize, height: d.minSize),
                                         maxSize: Size(width: d.maxSize, height: d.maxSize), threads: d.threads)
        return FaceDetector(cascade: cascade, parameters: params)
    }

    /// A loaded model: the recognizer, its class labels and its id for events.
    public struct LoadedModel {
        public var recognizer: Recognizer
        public var labels: [String]
        public var modelID: String
        /// The crop margin ferd adds itself: `model.margin` when the model's metadata has no
        /// preprocessing (its own margin is how it was trained, and wins), else 0.
        public var extraMargin: Float
    }

    /// The int8 TFLite model of `[model]`, prepared for `model.batch` faces per call.
    public static func model(_ config: FerdConfig) throws(ConfigError) -> LoadedModel {
        let maxBatch = config.model.batch
        let path = try modelPath(config)
        func fail(_ m: String) -> ConfigError { ConfigError(file: "model.path", line: nil, key: nil, "\(path): \(m)") }
        guard let data = FileManager.default.contents(atPath: path) else { throw fail("cannot read the file") }
        do {
            let model = try Model(bytes: [UInt8](data))
            let metadata = try RecognitionMetadata(model: model)
            let recognizer = try Recognizer(model: model, maxBatch: maxBatch, fast: FastOptions(threads: config.model.threads))
            // A model without label metadata and 8 outputs is taken to use the FERPlus order.
            let labels = metadata.labels == nil && recognizer.classCount == FerdConfig.defaultLabels.count
                ? FerdConfig.defaultLabels : recognizer.labels
            let id = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            return LoadedModel(recognizer: recognizer, labels: labels, modelID: id,
                               extraMargin: metadata.preprocess == nil ? Float(config.model.margin) : 0)
        } catch {
            throw fail("\(error)")
        }
    }
}
