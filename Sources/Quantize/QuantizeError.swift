/// Why a trained model could not be quantized or exported.
public enum QuantizeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A layer (by name and position) that the exporter has no TFLite lowering for, and why.
    case unsupportedLayer(index: Int, name: String, reason: String)
    /// Calibration needs at least one image of the model's input shape.
    case badCalibration(expected: String, found: String)
    /// The exported graph was rejected when loaded back (a bug in the exporter).
    case invalidExport(String)
    /// A TFLite file that does not hold the given model spec in the form `fer export` writes.
    case importFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .unsupportedLayer(let i, let name, let reason): "layer \(i) (\(name)): \(reason)"
        case .badCalibration(let expected, let found): "calibration data: expected \(expected), found \(found)"
        case .invalidExport(let why): "exported model does not load: \(why)"
        case .importFailed(let path, let reason): "\(path): cannot import as a float model: \(reason)"
        }
    }
}
