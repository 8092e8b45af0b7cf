// Decodes a TFLite flatbuffer into `Model`. Field ids are schema.fbs's (each union takes two:
// its type tag, then its value). Indices between tables (tensor → buffer, operator → opcode,
// operator/subgraph → tensor, metadata → buffer) are checked here, so the result is safe to index.

extension Model {
    /// Reads a TFLite file, checking every offset, length and index.
    public init(bytes: [UInt8]) throws {
        let reader = FlatBufferReader(bytes)
        try reader.check(0, 8, table: "Model", field: "root")
        let root = try reader.table(referencedAt: 0, name: "Model", field: "root")
        let version = try root.scalar(0, "version", default: UInt32(0))
        let codes = try (root.tables(1, "operator_codes", name: "OperatorCode") ?? []).map(OperatorCode.init(table:))
        let subgraphTables = try root.tables(2, "subgraphs", name: "SubGraph") ?? []
        let description = try root.string(3, "description")
        let bufferTables = try root.tables(4, "buffers", name: "Buffer") ?? []
        let buffers = try bufferTables.map { try Buffer(table: $0) }
        let metadata = try (root.tables(6, "metadata", name: "Metadata") ?? []).map(Metadata.init(table:))
        let subgraphs = try subgraphTables.map { try SubGraph(table: $0, bufferCount: buffers.count, codeCount: codes.count) }
        guard !subgraphs.isEmpty else { throw ModelError.missingField(table: "Model", field: "subgraphs") }
        for entry in metadata where Int(entry.buffer) >= buffers.count {
            throw ModelError.indexOutOfRange(table: "Metadata", field: "buffer", index: Int(entry.buffer), count: buffers.count)
        }
        self.init(version: version, operatorCodes: codes, subgraphs: subgraphs, description: description,
                  buffers: buffers, metadata: metadata)
    }
}

extension OperatorCode {
    init(table t: FlatBufferTable) throws {
        self.init(deprecatedBuiltinCode: try t.scalar(0, "deprecated_builtin_code", default: Int8(0)),
                  customCode: try t.string(1, "custom_code"),
                  version: try t.scalar(2, "version", default: Int32(1)),
                  builtinCode: try t.scalar(3, "builtin_code", default: Int32(0)))
    }
}

extension SubGraph {
    init(table t: FlatBufferTable, bufferCount: Int, codeCount: Int) throws {
        let tensors = try (t.tables(0, "tensors", name: "Tensor") ?? []).map { try Tensor(table: $0, bufferCount: bufferCount) }
        func checked(_ indices: [Int32], _ table: String, _ field: String) throws -> [Int32] {
            // -1 marks an omitted optional input (e.g. a conv without bias).
            for i in indices where i < -1 || Int(i) >= tensors.count {
                throw ModelError.indexOutOfRange(table: table, field: field, index: Int(i), count: tensors.count)
            }
            return indices
        }
        let inputs = try checked(t.scalars(1, "inputs", as: Int32.self) ?? [], "SubGraph", "inputs")
        let outputs = try checked(t.scalars(2, "outputs", as: Int32.self) ?? [], "SubGraph", "outputs")
        let operators = try (t.tables(3, "operators", name: "Operator") ?? []).map { op in
            var decoded = try Operator(table: op)
            guard Int(decoded.opcodeIndex) < codeCount else {
                throw ModelError.indexOutOfRange(table: "Operator", field: "opcode_index", index: Int(decoded.opcodeIndex), count: codeCount)
            }
            decoded.inputs = try checked(decoded.inputs, "Operator", "inputs")
            decoded.outputs = try checked(decoded.outputs, "Operator", "outputs")
            return decoded
        }
        self.init(tensors: tensors, inputs: inputs, outputs: outputs, operators: operators, name: try t.string(4, "name"))
    }
}

extension Tensor {
    init(table t: FlatBufferTable, bufferCount: Int) throws {
        let buffer = try t.scalar(2, "buffer", default: UInt32(0))
        guard buffer == 0 || Int(buffer) < bufferCount else {
            throw ModelError.indexOutOfRange(table: "Tensor", field: "buffer", index: Int(buffer), count: bufferCount)
        }
        self.init(shape: try t.scalars(0, "shape", as: Int32.self) ?? [],
                  type: TensorType(rawValue: try t.scalar(1, "type", default: Int8(0))),
                  buffer: buffer,
                  name: try t.string(3, "name") ?? "",
                  quantization: try t.table(4, "quantization", name: "QuantizationParameters").map(Quantization.init(table:)),
                  isVariable: try t.bool(5, "is_variable", default: false),
                  shapeSignature: try t.scalars(7, "shape_signature", as: Int32.self))
    }
}

extension Quantization {
    init(table t: FlatBufferTable) throws {
        self.init(scale: try t.floats(2, "scale") ?? [],
                  zeroPoint: try t.scalars(3, "zero_point", as: Int64.self) ?? [],
                  quantizedDimension: try t.scalar(6, "quantized_dimension", default: Int32(0)),
                  min: try t.floats(0, "min") ?? [],
                  max: try t.floats(1, "max") ?? [])
    }
}

extension Operator {
    init(table t: FlatBufferTable) throws {
        let type = try t.scalar(3, "builtin_options_type", default: UInt8(0))
        let optionsTable = type == 0 ? nil : try t.table(4, "builtin_options", name: BuiltinOptions.tableName(type: type))
        self.init(opcodeIndex: try t.scalar(0, "opcode_index", default: UInt32(0)),
                  inputs: try t.scalars(1, "inputs", as: Int32.self) ?? [],
                  outputs: try t.scalars(2, "outputs", as: Int32.self) ?? [],
                  options: try BuiltinOptions.decode(type: type, table: optionsTable))
    }
}

extension Buffer {
    init(table t: FlatBufferTable) throws {
        if let data = try t.bytes(0, "data") {
            try t.reader.charge(data.count, table: "Buffer", field: "data")
            self.init(data: data)
            return
        }
        // Models over 2 GB keep buffer data after the flatbuffer, addressed by offset/size;
        // offset 1 with size 0 means "no data" (schema.fbs comment).
        let offset = try t.scalar(1, "offset", default: UInt64(0))
        let size = try t.scalar(2, "size", default: UInt64(0))
        guard offset > 1 else { self.init(); return }
        guard offset < UInt64(t.reader.size), size <= UInt64(t.reader.size) - offset else {
            throw ModelError.offsetOutOfBounds(table: "Buffer", field: "offset", offset: Int(clamping: offset), size: t.reader.size)
        }
        try t.reader.charge(Int(size), table: "Buffer", field: "size")
        self.init(data: Array(t.reader.bytes[Int(offset)..<Int(offset + size)]))
    }
}

extension Metadata {
    init(table t: FlatBufferTable) throws {
        self.init(name: try t.string(0, "name") ?? "", buffer: try t.scalar(1, "buffer", default: UInt32(0)))
    }
}
