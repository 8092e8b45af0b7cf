/// A decoded TFLite model: the subset of schema.fbs `Model` this project reads and writes.
public struct Model: Equatable, Sendable {
    public var version: UInt32
    public var operatorCodes: [OperatorCode]
    public var subgraphs: [SubGraph]
    public var description: String?
    public var buffers: [Buffer]
    public var metadata: [Metadata]

    public init(version: UInt32 = 3, operatorCodes: [OperatorCode], subgraphs: [SubGraph], description: String? = nil,
                buffers: [Buffer], metadata: [Metadata] = []) {
        (self.version, self.operatorCodes, self.subgraphs) = (version, operatorCodes, subgraphs)
        (self.description, self.buffers, self.metadata) = (description, buffers, metadata)
    }

    /// The bytes of the buffer that the metadata entry `name` points at, if present.
    public func metadataBytes(named name: String) -> [UInt8]? {
        guard let entry = metadata.first(where: { $0.name == name }), Int(entry.buffer) < buffers.count else { return nil }
        return buffers[Int(entry.buffer)].data
    }
}

/// schema.fbs `OperatorCode`. Old files store the code in `deprecatedBuiltinCode` (int8),
/// new ones in `builtinCode` (int32); readers take the larger (schema.fbs comment, and
/// TFLite's `GetBuiltinCode`).
public struct OperatorCode: Equatable, Sendable {
    public var deprecatedBuiltinCode: Int8
    public var customCode: String?
    public var version: Int32
    public var builtinCode: Int32

    public init(_ op: BuiltinOperator, version: Int32 = 1) {
        self.init(deprecatedBuiltinCode: Int8(clamping: min(op.rawValue, 127)), customCode: nil, version: version,
                  builtinCode: op.rawValue)
    }

    public init(deprecatedBuiltinCode: Int8, customCode: String?, version: Int32, builtinCode: Int32) {
        (self.deprecatedBuiltinCode, self.customCode) = (deprecatedBuiltinCode, customCode)
        (self.version, self.builtinCode) = (version, builtinCode)
    }

    /// The operator this code stands for.
    public var op: BuiltinOperator { BuiltinOperator(rawValue: max(builtinCode, Int32(deprecatedBuiltinCode))) }
}

/// schema.fbs `SubGraph`.
public struct SubGraph: Equatable, Sendable {
    public var tensors: [Tensor]
    public var inputs: [Int32]
    public var outputs: [Int32]
    public var operators: [Operator]
    public var name: String?

    public init(tensors: [Tensor], inputs: [Int32], outputs: [Int32], operators: [Operator], name: String? = nil) {
        (self.tensors, self.inputs, self.outputs, self.operators, self.name) = (tensors, inputs, outputs, operators, name)
    }
}

/// schema.fbs `Tensor`. `buffer` 0 is the empty buffer (no constant data).
public struct Tensor: Equatable, Sendable {
    public var shape: [Int32]
    public var type: TensorType
    public var buffer: UInt32
    public var name: String
    public var quantization: Quantization?
    public var isVariable: Bool
    public var shapeSignature: [Int32]?

    public init(shape: [Int32], type: TensorType, buffer: UInt32 = 0, name: String, quantization: Quantization? = nil,
                isVariable: Bool = false, shapeSignature: [Int32]? = nil) {
        (self.shape, self.type, self.buffer, self.name) = (shape, type, buffer, name)
        (self.quantization, self.isVariable, self.shapeSignature) = (quantization, isVariable, shapeSignature)
    }

    /// Number of elements (1 for a scalar); nil if a dimension is negative or the product overflows.
    public var elementCount: Int? {
        var n = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let (p, overflow) = n.multipliedReportingOverflow(by: Int(d))
            guard !overflow, p <= 1 << 40 else { return nil }
            n = p
        }
        return n
    }
}

/// schema.fbs `QuantizationParameters`: real = scale · (q − zero_point), per tensor (one
/// scale) or per channel along `quantizedDimension`.
public struct Quantization: Equatable, Sendable {
    public var min: [Float]
    public var max: [Float]
    public var scale: [Float]
    public var zeroPoint: [Int64]
    public var quantizedDimension: Int32

    public init(scale: [Float], zeroPoint: [Int64], quantizedDimension: Int32 = 0, min: [Float] = [], max: [Float] = []) {
        (self.scale, self.zeroPoint, self.quantizedDimension, self.min, self.max) = (scale, zeroPoint, quantizedDimension, min, max)
    }

    /// True when there is at least one scale (the tensor is quantized, not just annotated).
    public var isQuantized: Bool { !scale.isEmpty }
}

/// schema.fbs `Operator`.
public struct Operator: Equatable, Sendable {
    public var opcodeIndex: UInt32
    public var inputs: [Int32]
    public var outputs: [Int32]
    public var options: BuiltinOptions

    public init(opcodeIndex: UInt32, inputs: [Int32], outputs: [Int32], options: BuiltinOptions = .none) {
        (self.opcodeIndex, self.inputs, self.outputs, self.options) = (opcodeIndex, inputs, outputs, options)
    }
}

/// schema.fbs `Buffer`: constant tensor data (empty for activations).
public struct Buffer: Equatable, Sendable {
    public var data: [UInt8]
    public init(data: [UInt8] = []) { self.data = data }
}

/// schema.fbs `Metadata`: a named pointer to a buffer.
public struct Metadata: Equatable, Sendable {
    public var name: String
    public var buffer: UInt32
    public init(name: String, buffer: UInt32) { (self.name, self.buffer) = (name, buffer) }
}
