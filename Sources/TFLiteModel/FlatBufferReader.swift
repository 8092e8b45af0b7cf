// A bounds-checked reader of the flatbuffer wire format (flatbuffers.dev, "Internals"):
// little-endian scalars; a table starts with an int32 soffset back to its vtable; the vtable
// holds uint16 sizes then one uint16 offset per field id (0 = absent, use the default);
// offsets to tables, vectors and strings are uint32 relative to where they are stored;
// vectors and strings start with a uint32 element count.

/// Reads flatbuffer primitives from a byte array, checking every offset and length.
/// Also counts decoding work, so a small hostile file cannot make decoding explode by
/// referencing the same large sub-table many times.
final class FlatBufferReader {
    let bytes: [UInt8]
    private var workLeft: Int

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        // Honest files decode in work linear in their size; allow generous headroom.
        workLeft = 4 * bytes.count + 65_536
    }

    var size: Int { bytes.count }

    /// Charges `units` of decoding work (elements visited or bytes copied).
    func charge(_ units: Int, table: String, field: String) throws {
        workLeft -= units
        if workLeft < 0 { throw ModelError.tooComplex(table: table, field: field) }
    }

    func check(_ offset: Int, _ length: Int, table: String, field: String) throws {
        guard offset >= 0, length >= 0, offset <= size, length <= size - offset else {
            throw ModelError.offsetOutOfBounds(table: table, field: field, offset: offset, size: size)
        }
    }

    func load<T: FixedWidthInteger>(_: T.Type, at offset: Int, table: String, field: String) throws -> T {
        try check(offset, MemoryLayout<T>.size, table: table, field: field)
        return bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
    }

    /// The table whose uoffset is stored at `offset`.
    func table(referencedAt offset: Int, name: String, field: String) throws -> FlatBufferTable {
        let relative = try load(UInt32.self, at: offset, table: name, field: field)
        return try table(at: offset + Int(relative), name: name, field: field)
    }

    /// The table that starts at `position`.
    func table(at position: Int, name: String, field: String) throws -> FlatBufferTable {
        try charge(1, table: name, field: field)
        let soffset = try load(Int32.self, at: position, table: name, field: field)
        let vtable = position - Int(soffset)
        guard vtable >= 0, vtable <= size - 4 else { throw ModelError.badVTable(table: name, offset: vtable) }
        let vtableSize = Int(try load(UInt16.self, at: vtable, table: name, field: "vtable"))
        let tableSize = Int(try load(UInt16.self, at: vtable + 2, table: name, field: "vtable"))
        guard vtableSize >= 4, vtableSize % 2 == 0, vtableSize <= size - vtable, tableSize >= 4,
              tableSize <= size - position
        else { throw ModelError.badVTable(table: name, offset: vtable) }
        return FlatBufferTable(reader: self, name: name, position: position, vtable: vtable,
                               fieldCount: (vtableSize - 4) / 2, tableSize: tableSize)
    }
}

/// One table inside a flatbuffer, with typed accessors by field id (schema order).
struct FlatBufferTable {
    let reader: FlatBufferReader
    let name: String
    let position: Int
    let vtable: Int
    let fieldCount: Int
    let tableSize: Int

    /// Absolute position of field `id`, or nil when absent; checks it lies inside the table.
    func fieldPosition(_ id: Int, _ field: String, width: Int) throws -> Int? {
        guard id < fieldCount else { return nil }
        let relative = Int(try reader.load(UInt16.self, at: vtable + 4 + 2 * id, table: name, field: field))
        if relative == 0 { return nil }
        guard relative + width <= tableSize else {
            throw ModelError.offsetOutOfBounds(table: name, field: field, offset: position + relative, size: reader.size)
        }
        return position + relative
    }

    func scalar<T: FixedWidthInteger>(_ id: Int, _ field: String, default value: T) throws -> T {
        guard let at = try fieldPosition(id, field, width: MemoryLayout<T>.size) else { return value }
        return try reader.load(T.self, at: at, table: name, field: field)
    }

    func float(_ id: Int, _ field: String, default value: Float) throws -> Float {
        guard let at = try fieldPosition(id, field, width: 4) else { return value }
        return Float(bitPattern: try reader.load(UInt32.self, at: at, table: name, field: field))
    }

    func bool(_ id: Int, _ field: String, default value: Bool) throws -> Bool {
        try scalar(id, field, default: UInt8(value ? 1 : 0)) != 0
    }

    /// The position a uoffset field points at, or nil when the field is absent.
    func target(_ id: Int, _ field: String) throws -> Int? {
        guard let at = try fieldPosition(id, field, width: 4) else { return nil }
        let relative = try reader.load(UInt32.self, at: at, table: name, field: field)
        let target = at + Int(relative)
        try reader.check(target, 4, table: name, field: field)
        return target
    }

    func table(_ id: Int, _ field: String, name child: String) throws -> FlatBufferTable? {
        guard let at = try target(id, field) else { return nil }
        return try reader.table(at: at, name: child, field: field)
    }

    /// A vector's element count and the position of its first element, checked to fit.
    func vector(_ id: Int, _ field: String, elementSize: Int) throws -> (count: Int, start: Int)? {
        guard let at = try target(id, field) else { return nil }
        let count = Int(try reader.load(UInt32.self, at: at, table: name, field: field))
        let start = at + 4
        guard count <= (reader.size - start) / elementSize else {
            throw ModelError.vectorTooLong(table: name, field: field, count: count)
        }
        try reader.charge(count, table: name, field: field)
        return (count, start)
    }

    func scalars<T: FixedWidthInteger>(_ id: Int, _ field: String, as _: T.Type) throws -> [T]? {
        guard let (count, start) = try vector(id, field, elementSize: MemoryLayout<T>.size) else { return nil }
        return reader.bytes.withUnsafeBytes { raw in
            (0..<count).map { T(littleEndian: raw.loadUnaligned(fromByteOffset: start + $0 * MemoryLayout<T>.size, as: T.self)) }
        }
    }

    func floats(_ id: Int, _ field: String) throws -> [Float]? {
        try scalars(id, field, as: UInt32.self)?.map(Float.init(bitPattern:))
    }

    func bytes(_ id: Int, _ field: String) throws -> [UInt8]? {
        guard let (count, start) = try vector(id, field, elementSize: 1) else { return nil }
        return Array(reader.bytes[start..<start + count])
    }

    func string(_ id: Int, _ field: String) throws -> String? {
        guard let raw = try bytes(id, field) else { return nil }
        guard let s = decodeUTF8(raw) else {
            throw ModelError.invalidUTF8(table: name, field: field)
        }
        return s
    }

    func tables(_ id: Int, _ field: String, name child: String) throws -> [FlatBufferTable]? {
        guard let (count, start) = try vector(id, field, elementSize: 4) else { return nil }
        return try (0..<count).map { try reader.table(referencedAt: start + 4 * $0, name: child, field: field) }
    }
}

/// The bytes as a String if they are valid UTF-8 (portable: `String(validating:)` needs macOS 15).
public func decodeUTF8(_ bytes: [UInt8]) -> String? {
    let s = String(decoding: bytes, as: UTF8.self)
    return s.utf8.elementsEqual(bytes) ? s : nil
}
