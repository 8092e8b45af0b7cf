import FoundationEssentials

/// EdgeFER's metadata in a TFLite file, two `Model.metadata` entries pointing at buffers:
/// - `edgefer.labels`: UTF-8 text, one class label per line, in the order of the model's
///   output (e.g. "anger\ncontempt\n…"); a trailing newline is allowed.
/// - `edgefer.preprocess`: UTF-8 JSON object, keys (snake_case):
///   `version` (1), `input_width`, `input_height` (pixels; must equal the input tensor's shape),
///   `input_scale`, `input_zero_point` (must equal the input tensor's quantization),
///   `pixel_scale` (real input value = gray pixel 0…255 · pixel_scale; 1/255 maps to [0, 1]),
///   `crop_margin` (fraction of the face box added on each side before resizing, e.g. 0.1).
/// Both are optional: without labels, classes are named by index; without preprocessing,
/// pixel_scale 1/255 and crop_margin 0 are used.
public struct RecognitionMetadata: Equatable, Sendable {
    public static let labelsName = "edgefer.labels"
    public static let preprocessName = "edgefer.preprocess"

    /// The `edgefer.preprocess` JSON object.
    public struct Preprocess: Codable, Equatable, Sendable {
        public var version: Int
        public var inputWidth: Int
        public var inputHeight: Int
        public var inputScale: Float
        public var inputZeroPoint: Int
        public var pixelScale: Float
        public var cropMargin: Float

        public init(inputWidth: Int, inputHeight: Int, inputScale: Float, inputZeroPoint: Int,
                    pixelScale: Float = 1.0 / 255, cropMargin: Float = 0, version: Int = 1) {
            (self.version, self.inputWidth, self.inputHeight) = (version, inputWidth, inputHeight)
            (self.inputScale, self.inputZeroPoint, self.pixelScale, self.cropMargin) = (inputScale, inputZeroPoint, pixelScale, cropMargin)
        }

        enum CodingKeys: String, CodingKey {
            case version, inputWidth = "input_width", inputHeight = "input_height", inputScale = "input_scale"
            case inputZeroPoint = "input_zero_point", pixelScale = "pixel_scale", cropMargin = "crop_margin"
        }
    }

    public var labels: [String]?
    public var preprocess: Preprocess?

    public init(labels: [String]? = nil, preprocess: Preprocess? = nil) {
        (self.labels, self.preprocess) = (labels, preprocess)
    }

    /// Reads the entries from a model; absent entries stay nil, malformed ones throw.
    public init(model: Model) throws {
        if let bytes = model.metadataBytes(named: Self.labelsName) {
            guard let text = decodeUTF8(bytes) else {
                throw ModelError.invalidUTF8(table: "Metadata", field: Self.labelsName)
            }
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if lines.last == "" { lines.removeLast() }
            labels = lines
        }
        if let bytes = model.metadataBytes(named: Self.preprocessName) {
            do {
                let value = try JSONDecoder().decode(Preprocess.self, from: Data(bytes))
                guard value.version == 1, value.inputWidth > 0, value.inputHeight > 0, value.pixelScale.isFinite,
                      value.cropMargin.isFinite, value.cropMargin >= 0, value.cropMargin <= 2
                else { throw ModelError.badValue(table: "Metadata", field: Self.preprocessName, value: String(decoding: bytes, as: UTF8.self),
                                                 expected: "version 1, positive size, crop_margin in 0...2") }
                preprocess = value
            } catch let error as ModelError {
                throw error
            } catch {
                throw ModelError.badValue(table: "Metadata", field: Self.preprocessName, value: String(decoding: bytes.prefix(200), as: UTF8.self),
                                          expected: "JSON object with input_width, input_height, input_scale, input_zero_point, pixel_scale, crop_margin")
            }
        }
    }

    /// Adds (or replaces) the entries in `model`, each with a new buffer.
    public func attach(to model: inout Model) {
        func put(_ name: String, _ bytes: [UInt8]) {
            model.metadata.removeAll { $0.name == name }
            model.buffers.append(Buffer(data: bytes))
            model.metadata.append(Metadata(name: name, buffer: UInt32(model.buffers.count - 1)))
        }
        if let labels { put(Self.labelsName, Array(labels.joined(separator: "\n").utf8)) }
        if let preprocess {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            put(Self.preprocessName, Array((try? encoder.encode(preprocess)) ?? Data()))
        }
    }
}
