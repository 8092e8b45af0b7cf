/// Why a model cannot be prepared or run. Load-time problems name the operator or tensor.
public enum InferenceError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Operators the engine does not implement, each with how often the model uses it.
    case unsupportedOperators([String])
    case invalidOperator(index: Int, op: String, reason: String)
    case invalidTensor(index: Int, name: String, reason: String)
    case invalidGraph(String)
    /// The model cannot run several samples in one call (and why).
    case batchUnsupported(String)
    case batchOutOfRange(requested: Int, maximum: Int)
    case inputSize(index: Int, expected: Int, actual: Int)

    public var description: String {
        switch self {
        case .unsupportedOperators(let ops):
            return "unsupported operators: \(ops.joined(separator: ", "))"
        case let .invalidOperator(index, op, reason):
            return "operator \(index) (\(op)): \(reason)"
        case let .invalidTensor(index, name, reason):
            return "tensor \(index) '\(name)': \(reason)"
        case .invalidGraph(let reason):
            return "invalid graph: \(reason)"
        case .batchUnsupported(let reason):
            return "batching unsupported: \(reason)"
        case let .batchOutOfRange(requested, maximum):
            return "batch \(requested) outside 1...\(maximum)"
        case let .inputSize(index, expected, actual):
            return "input \(index): expected \(expected) bytes, got \(actual)"
        }
    }
}
