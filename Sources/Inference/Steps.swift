import QuantMath
import TFLiteModel

// The prepared form of each operator: everything the kernels need, computed once at load.
// Tensor references are arena slots; evaluation only reads these values.

/// Where one tensor lives in the interpreter's arena.
struct TensorSlot {
    /// Byte offset of sample 0.
    var offset: Int
    /// Bytes of one sample (activations) or of the whole tensor (constants).
    var bytesPerSample: Int
    /// Constants are shared by every sample of a batch.
    var isConstant: Bool
}

struct ConvStep {
    var input: Int, filter: Int, bias: Int?, output: Int
    var params: ConvParameters
    var multipliers: [QuantizedMultiplier]
}

struct FullyConnectedStep {
    var input: Int, weights: Int, bias: Int?, output: Int
    var params: FullyConnectedParameters
    var multipliers: [QuantizedMultiplier]
    /// Rows of the FULLY_CONNECTED per sample (input elements / depth).
    var rowsPerSample: Int
}

struct PoolStep {
    var input: Int, output: Int
    var params: PoolParameters
}

struct BinaryStep<Parameters> {
    var input1: Int, input2: Int, output: Int
    var plan: BroadcastPlan
    var params: Parameters
}

struct MeanStep {
    var input: Int, output: Int
    var params: MeanParameters
}

struct SoftmaxStep {
    var input: Int, output: Int
    var rowsPerSample: Int
    var params: SoftmaxParameters
}

struct ConvertStep {
    var input: Int, output: Int
    var count: Int
    var scale: Float, zeroPoint: Int32
}

struct CopyStep {
    var input: Int, output: Int
    var bytes: Int
}

struct PadStep {
    var input: Int, output: Int
    var params: PadParameters
}

struct ConcatenationStep {
    var inputs: [Int], output: Int
    var slabBytes: [Int]
    var outerCount: Int
}

/// One prepared operator.
enum Step {
    case conv2D(ConvStep)
    case depthwiseConv2D(ConvStep)
    case fullyConnected(FullyConnectedStep)
    case maxPool2D(PoolStep)
    case averagePool2D(PoolStep)
    case mean(MeanStep)
    case add(BinaryStep<AddParameters>)
    case mul(BinaryStep<MulParameters>)
    case softmax(SoftmaxStep)
    case quantize(ConvertStep)
    case dequantize(ConvertStep)
    case copy(CopyStep)
    case pad(PadStep)
    case concatenation(ConcatenationStep)
}

/// One operator as `fer inspect` shows it.
public struct LayerInfo: Sendable {
    public var index: Int
    public var op: String
    public var outputName: String
    public var outputShape: [Int]
    public var outputType: TensorType
    /// Output scale and zero point (int8 outputs).
    public var outputQuantization: (scale: Float, zeroPoint: Int32)?
    /// Multiply-accumulates per sample (0 for data movement).
    public var macs: Int
    /// Elements of the operator's constant inputs (weights, biases, constant operands).
    public var parameters: Int
    /// A short description of the options, e.g. "3x3 s1 SAME RELU, per-channel".
    public var details: String
}

/// A graph input or output: its batch-1 shape, element type and quantization.
public struct TensorInfo: Sendable {
    public var index: Int
    public var name: String
    public var shape: [Int]
    public var type: TensorType
    /// Per-tensor scale and zero point, when quantized.
    public var scale: Float?
    public var zeroPoint: Int32?
    /// Bytes of one sample.
    public var bytesPerSample: Int
}
