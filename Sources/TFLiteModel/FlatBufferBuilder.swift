// A flatbuffer builder: objects are written back to front (children before the parents
// that point at them), so every uoffset points forward, as the format requires. Bytes are
// kept reversed while building; a position is its distance from the end of the buffer.

/// Where an object was written, counted from the end of the finished buffer.
public struct FlatBufferOffset: Hashable, Sendable {
    let fromEnd: Int
}

/// Builds a flatbuffer back to front. Tables: `startTable`, `add…` fields, `endTable`.
public struct FlatBufferBuilder {
    private var reversed: [UInt8] = []
    private var minAlign = 1
    private var fields: [(id: Int, at: Int)] = []
    private var tableStart = 0
    private var inTable = false

    public init(capacity: Int = 1024) { reversed.reserveCapacity(capacity) }

    private var size: Int { reversed.count }

    /// Pads so that after `additional` more bytes the position is a multiple of `alignment`.
    private mutating func align(_ alignment: Int, additional: Int = 0) {
        minAlign = max(minAlign, alignment)
        let pad = (alignment - (size + additional) % alignment) % alignment
        reversed.append(contentsOf: repeatElement(0, count: pad))
    }

    private mutating func prependRaw<T: FixedWidthInteger>(_ value: T) {
        let v = T(truncatingIfNeeded: value)
        var shift = (MemoryLayout<T>.size - 1) * 8
        while shift >= 0 {
            reversed.append(UInt8(truncatingIfNeeded: v >> shift))
            shift -= 8
        }
    }

    private mutating func prepend<T: FixedWidthInteger>(_ value: T) {
        align(MemoryLayout<T>.size)
        prependRaw(value)
    }

    private mutating func prependOffset(_ target: FlatBufferOffset) {
        align(4)
        precondition(target.fromEnd <= size, "flatbuffer offsets must point at objects written earlier")
        prependRaw(UInt32(size + 4 - target.fromEnd))
    }

    // MARK: vectors and strings

    /// A vector of little-endian scalars, its data aligned to `alignment` (≥ the element size).
    public mutating func createVector<T: FixedWidthInteger>(_ values: [T], alignment: Int = 1) -> FlatBufferOffset {
        precondition(!inTable, "vectors must be created outside a table")
        let bytes = values.count * MemoryLayout<T>.size
        align(4, additional: bytes)
        align(max(alignment, MemoryLayout<T>.size), additional: bytes)
        for v in values.reversed() { prependRaw(v) }
        prependRaw(UInt32(values.count))
        return FlatBufferOffset(fromEnd: size)
    }

    public mutating func createVector(_ values: [Float]) -> FlatBufferOffset {
        createVector(values.map(\.bitPattern))
    }

    /// A vector of offsets to tables (or strings).
    public mutating func createVector(_ offsets: [FlatBufferOffset]) -> FlatBufferOffset {
        precondition(!inTable, "vectors must be created outside a table")
        align(4, additional: 4 * offsets.count)
        for o in offsets.reversed() { prependOffset(o) }
        prependRaw(UInt32(offsets.count))
        return FlatBufferOffset(fromEnd: size)
    }

    public mutating func createString(_ string: String) -> FlatBufferOffset {
        precondition(!inTable, "strings must be created outside a table")
        let utf8 = Array(string.utf8)
        align(4, additional: utf8.count + 1)
        reversed.append(0)
        for b in utf8.reversed() { reversed.append(b) }
        prependRaw(UInt32(utf8.count))
        return FlatBufferOffset(fromEnd: size)
    }

    // MARK: tables

    public mutating func startTable() {
        precondition(!inTable, "tables cannot nest while being built")
        inTable = true
        fields.removeAll(keepingCapacity: true)
        tableStart = size
    }

    public mutating func add<T: FixedWidthInteger>(_ id: Int, _ value: T) {
        prepend(value)
        fields.append((id, size))
    }

    public mutating func add(_ id: Int, _ value: Float) { add(id, value.bitPattern) }

    public mutating func add(_ id: Int, _ value: Bool) { add(id, UInt8(value ? 1 : 0)) }

    public mutating func add(_ id: Int, _ offset: FlatBufferOffset?) {
        guard let offset else { return }
        prependOffset(offset)
        fields.append((id, size))
    }

    public mutating func endTable() -> FlatBufferOffset {
        precondition(inTable, "endTable without startTable")
        align(4)
        prependRaw(Int32(0))  // soffset to the vtable, patched below
        let table = size
        let fieldCount = (fields.map(\.id).max() ?? -1) + 1
        var slots = [UInt16](repeating: 0, count: fieldCount)
        for f in fields { slots[f.id] = UInt16(table - f.at) }
        for s in slots.reversed() { prependRaw(s) }
        prependRaw(UInt16(table - tableStart))
        prependRaw(UInt16(4 + 2 * fieldCount))
        let vtable = size
        // The vtable sits before the table: soffset = table address − vtable address.
        let soffset = UInt32(vtable - table)
        for i in 0..<4 { reversed[table - 1 - i] = UInt8(truncatingIfNeeded: soffset >> (8 * i)) }
        inTable = false
        return FlatBufferOffset(fromEnd: table)
    }

    /// Finishes with `root` and a 4-byte file identifier (TFLite: "TFL3"); returns the bytes.
    public mutating func finish(root: FlatBufferOffset, fileIdentifier: String) -> [UInt8] {
        let ident = Array(fileIdentifier.utf8)
        precondition(ident.count == 4, "file identifiers are 4 bytes")
        align(max(minAlign, 4), additional: 8)
        for b in ident.reversed() { reversed.append(b) }
        prependOffset(root)
        return reversed.reversed()
    }
}
