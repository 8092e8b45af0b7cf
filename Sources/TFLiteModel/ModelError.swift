/// Why a TFLite file could not be read. Every case names the flatbuffer table and field
/// (as in TensorFlow's schema.fbs) where the problem was found.
public enum ModelError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An offset, or the data it points at, lies outside the file.
    case offsetOutOfBounds(table: String, field: String, offset: Int, size: Int)
    /// A table's vtable is malformed (odd size, shorter than its header, outside the file).
    case badVTable(table: String, offset: Int)
    /// A vector claims more elements than the file can hold.
    case vectorTooLong(table: String, field: String, count: Int)
    /// A string is not valid UTF-8.
    case invalidUTF8(table: String, field: String)
    /// A required field is absent.
    case missingField(table: String, field: String)
    /// An index (tensor, buffer, opcode, subgraph) does not refer to an existing element.
    case indexOutOfRange(table: String, field: String, index: Int, count: Int)
    /// A field holds a value outside what the schema or this reader allows.
    case badValue(table: String, field: String, value: String, expected: String)
    /// Decoding would do far more work than the file's size justifies (shared sub-tables).
    case tooComplex(table: String, field: String)

    public var description: String {
        switch self {
        case let .offsetOutOfBounds(table, field, offset, size):
            return "\(table).\(field): offset \(offset) is outside the file (\(size) bytes)"
        case let .badVTable(table, offset):
            return "\(table): malformed vtable at offset \(offset)"
        case let .vectorTooLong(table, field, count):
            return "\(table).\(field): vector of \(count) elements does not fit in the file"
        case let .invalidUTF8(table, field):
            return "\(table).\(field): string is not valid UTF-8"
        case let .missingField(table, field):
            return "\(table).\(field): required field is missing"
        case let .indexOutOfRange(table, field, index, count):
            return "\(table).\(field): index \(index) out of range (count \(count))"
        case let .badValue(table, field, value, expected):
            return "\(table).\(field): value \(value), expected \(expected)"
        case let .tooComplex(table, field):
            return "\(table).\(field): file references shared data too many times"
        }
    }
}
