// Builtin operator options (schema.fbs tables *Options), for the operators this project runs.
// Field ids and defaults follow schema.fbs.

/// schema.fbs `Conv2DOptions`.
public struct Conv2DOptions: Equatable, Sendable {
    public var padding: Padding = .same
    public var strideW: Int32 = 1
    public var strideH: Int32 = 1
    public var activation: ActivationFunction = .none
    public var dilationW: Int32 = 1
    public var dilationH: Int32 = 1
    public init(padding: Padding = .same, strideW: Int32 = 1, strideH: Int32 = 1, activation: ActivationFunction = .none,
                dilationW: Int32 = 1, dilationH: Int32 = 1) {
        (self.padding, self.strideW, self.strideH, self.activation) = (padding, strideW, strideH, activation)
        (self.dilationW, self.dilationH) = (dilationW, dilationH)
    }
}

/// schema.fbs `DepthwiseConv2DOptions`.
public struct DepthwiseConv2DOptions: Equatable, Sendable {
    public var padding: Padding = .same
    public var strideW: Int32 = 1
    public var strideH: Int32 = 1
    public var depthMultiplier: Int32 = 1
    public var activation: ActivationFunction = .none
    public var dilationW: Int32 = 1
    public var dilationH: Int32 = 1
    public init(padding: Padding = .same, strideW: Int32 = 1, strideH: Int32 = 1, depthMultiplier: Int32 = 1,
                activation: ActivationFunction = .none, dilationW: Int32 = 1, dilationH: Int32 = 1) {
        (self.padding, self.strideW, self.strideH, self.depthMultiplier) = (padding, strideW, strideH, depthMultiplier)
        (self.activation, self.dilationW, self.dilationH) = (activation, dilationW, dilationH)
    }
}

/// schema.fbs `Pool2DOptions` (MAX_POOL_2D, AVERAGE_POOL_2D).
public struct Pool2DOptions: Equatable, Sendable {
    public var padding: Padding = .same
    public var strideW: Int32 = 1
    public var strideH: Int32 = 1
    public var filterWidth: Int32 = 1
    public var filterHeight: Int32 = 1
    public var activation: ActivationFunction = .none
    public init(padding: Padding = .same, strideW: Int32 = 1, strideH: Int32 = 1, filterWidth: Int32 = 1,
                filterHeight: Int32 = 1, activation: ActivationFunction = .none) {
        (self.padding, self.strideW, self.strideH) = (padding, strideW, strideH)
        (self.filterWidth, self.filterHeight, self.activation) = (filterWidth, filterHeight, activation)
    }
}

/// schema.fbs `FullyConnectedOptions`.
public struct FullyConnectedOptions: Equatable, Sendable {
    public var activation: ActivationFunction = .none
    /// 0 = DEFAULT; 1 = SHUFFLED4x16INT8 (not supported by the interpreter).
    public var weightsFormat: Int8 = 0
    public var keepNumDims = false
    public var asymmetricQuantizeInputs = false
    public init(activation: ActivationFunction = .none, weightsFormat: Int8 = 0, keepNumDims: Bool = false,
                asymmetricQuantizeInputs: Bool = false) {
        (self.activation, self.weightsFormat, self.keepNumDims) = (activation, weightsFormat, keepNumDims)
        self.asymmetricQuantizeInputs = asymmetricQuantizeInputs
    }
}

/// The options of one operator, tagged by the schema's `BuiltinOptions` union type.
public enum BuiltinOptions: Equatable, Sendable {
    case none
    case conv2D(Conv2DOptions)                    // union type 1
    case depthwiseConv2D(DepthwiseConv2DOptions)  // 2
    case pool2D(Pool2DOptions)                    // 5
    case fullyConnected(FullyConnectedOptions)    // 8
    case softmax(beta: Float)                     // 9
    case concatenation(axis: Int32, activation: ActivationFunction)  // 10
    case add(activation: ActivationFunction)      // 11 (pot_scale_int16 only matters for int16)
    case reshape(newShape: [Int32]?)              // 17
    case mul(activation: ActivationFunction)      // 21
    case pad                                      // 22
    case reducer(keepDims: Bool)                  // 27
    case dequantize                               // 38
    case quantize                                 // 89
    /// A union member this reader does not decode; the interpreter rejects its operator anyway.
    case unsupported(type: UInt8)

    /// The schema's union type tag.
    public var unionType: UInt8 {
        switch self {
        case .none: return 0
        case .conv2D: return 1
        case .depthwiseConv2D: return 2
        case .pool2D: return 5
        case .fullyConnected: return 8
        case .softmax: return 9
        case .concatenation: return 10
        case .add: return 11
        case .reshape: return 17
        case .mul: return 21
        case .pad: return 22
        case .reducer: return 27
        case .dequantize: return 38
        case .quantize: return 89
        case .unsupported(let type): return type
        }
    }
}

extension BuiltinOptions {
    static func decode(type: UInt8, table t: FlatBufferTable?) throws -> BuiltinOptions {
        func activation(_ id: Int) throws -> ActivationFunction {
            guard let t else { return .none }
            let raw = try t.scalar(id, "fused_activation_function", default: Int8(0))
            guard let value = ActivationFunction(rawValue: raw) else {
                throw ModelError.badValue(table: t.name, field: "fused_activation_function", value: "\(raw)", expected: "0...5")
            }
            return value
        }
        func padding() throws -> Padding {
            guard let t else { return .same }
            let raw = try t.scalar(0, "padding", default: Int8(0))
            guard let value = Padding(rawValue: raw) else {
                throw ModelError.badValue(table: t.name, field: "padding", value: "\(raw)", expected: "0 (SAME) or 1 (VALID)")
            }
            return value
        }
        func int(_ id: Int, _ field: String, _ value: Int32) throws -> Int32 { try t?.scalar(id, field, default: value) ?? value }

        switch type {
        case 0: return .none
        case 1:
            return .conv2D(Conv2DOptions(
                padding: try padding(), strideW: try int(1, "stride_w", 0), strideH: try int(2, "stride_h", 0),
                activation: try activation(3), dilationW: try int(4, "dilation_w_factor", 1),
                dilationH: try int(5, "dilation_h_factor", 1)))
        case 2:
            return .depthwiseConv2D(DepthwiseConv2DOptions(
                padding: try padding(), strideW: try int(1, "stride_w", 0), strideH: try int(2, "stride_h", 0),
                depthMultiplier: try int(3, "depth_multiplier", 0), activation: try activation(4),
                dilationW: try int(5, "dilation_w_factor", 1), dilationH: try int(6, "dilation_h_factor", 1)))
        case 5:
            return .pool2D(Pool2DOptions(
                padding: try padding(), strideW: try int(1, "stride_w", 0), strideH: try int(2, "stride_h", 0),
                filterWidth: try int(3, "filter_width", 0), filterHeight: try int(4, "filter_height", 0),
                activation: try activation(5)))
        case 8:
            return .fullyConnected(FullyConnectedOptions(
                activation: try activation(0), weightsFormat: try t?.scalar(1, "weights_format", default: Int8(0)) ?? 0,
                keepNumDims: try t?.bool(2, "keep_num_dims", default: false) ?? false,
                asymmetricQuantizeInputs: try t?.bool(3, "asymmetric_quantize_inputs", default: false) ?? false))
        case 9: return .softmax(beta: try t?.float(0, "beta", default: 0) ?? 0)
        case 10: return .concatenation(axis: try int(0, "axis", 0), activation: try activation(1))
        case 11: return .add(activation: try activation(0))
        case 17: return .reshape(newShape: try t?.scalars(0, "new_shape", as: Int32.self))
        case 21: return .mul(activation: try activation(0))
        case 22: return .pad
        case 27: return .reducer(keepDims: try t?.bool(0, "keep_dims", default: false) ?? false)
        case 38: return .dequantize
        case 89: return .quantize
        default: return .unsupported(type: type)
        }
    }

    /// The table name of each decoded union member, used in error messages.
    static func tableName(type: UInt8) -> String {
        switch type {
        case 1: return "Conv2DOptions"
        case 2: return "DepthwiseConv2DOptions"
        case 5: return "Pool2DOptions"
        case 8: return "FullyConnectedOptions"
        case 9: return "SoftmaxOptions"
        case 10: return "ConcatenationOptions"
        case 11: return "AddOptions"
        case 17: return "ReshapeOptions"
        case 21: return "MulOptions"
        case 22: return "PadOptions"
        case 27: return "ReducerOptions"
        case 38: return "DequantizeOptions"
        case 89: return "QuantizeOptions"
        default: return "BuiltinOptions\(type)"
        }
    }
}
