/// Why a cascade file was rejected. `element` is a path such as
/// `cascade/stages/_[3]/weakClassifiers/_[0]/internalNodes`; `expected` says what would have been valid.
public enum CascadeError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case malformedXML(line: Int, expected: String)
    case missingElement(element: String, expected: String)
    case invalidValue(element: String, found: String, expected: String)
    case indexOutOfRange(element: String, index: Int, expected: String)
    case unsupported(element: String, found: String, expected: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): "cannot read cascade \(path): \(reason)"
        case let .malformedXML(line, expected): "malformed XML at line \(line): expected \(expected)"
        case let .missingElement(element, expected): "missing <\(element)>: expected \(expected)"
        case let .invalidValue(element, found, expected): "bad value '\(found)' in <\(element)>: expected \(expected)"
        case let .indexOutOfRange(element, index, expected): "index \(index) out of range in <\(element)>: expected \(expected)"
        case let .unsupported(element, found, expected): "unsupported '\(found)' in <\(element)>: expected \(expected)"
        }
    }
}
