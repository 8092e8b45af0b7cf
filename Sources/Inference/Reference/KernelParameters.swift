import QuantMath

// Parameters of the reference kernels, computed once when a model is prepared. Shapes are
// NHWC; "offset" fields are negated zero points, as in TFLite's op params.

/// Geometry and quantization of a CONV_2D or DEPTHWISE_CONV_2D.
public struct ConvParameters: Sendable, Equatable {
    public var inputHeight: Int, inputWidth: Int, inputChannels: Int
    public var outputHeight: Int, outputWidth: Int, outputChannels: Int
    public var filterHeight: Int, filterWidth: Int
    public var strideH: Int, strideW: Int
    public var dilationH: Int, dilationW: Int
    /// Rows/columns of implicit padding before the first input row/column.
    public var padTop: Int, padLeft: Int
    /// DEPTHWISE_CONV_2D only: output channels per input channel.
    public var depthMultiplier: Int
    /// −input zero point, added to every input value.
    public var inputOffset: Int32
    /// Output zero point.
    public var outputOffset: Int32
    public var activationMin: Int32, activationMax: Int32

    public init(inputHeight: Int, inputWidth: Int, inputChannels: Int, outputHeight: Int, outputWidth: Int,
                outputChannels: Int, filterHeight: Int, filterWidth: Int, strideH: Int = 1, strideW: Int = 1,
                dilationH: Int = 1, dilationW: Int = 1, padTop: Int = 0, padLeft: Int = 0, depthMultiplier: Int = 1,
                inputOffset: Int32 = 0, outputOffset: Int32 = 0, activationMin: Int32 = -128, activationMax: Int32 = 127) {
        (self.inputHeight, self.inputWidth, self.inputChannels) = (inputHeight, inputWidth, inputChannels)
        (self.outputHeight, self.outputWidth, self.outputChannels) = (outputHeight, outputWidth, outputChannels)
        (self.filterHeight, self.filterWidth, self.strideH, self.strideW) = (filterHeight, filterWidth, strideH, strideW)
        (self.dilationH, self.dilationW, self.padTop, self.padLeft) = (dilationH, dilationW, padTop, padLeft)
        (self.depthMultiplier, self.inputOffset, self.outputOffset) = (depthMultiplier, inputOffset, outputOffset)
        (self.activationMin, self.activationMax) = (activationMin, activationMax)
    }

    public var outputPositions: Int { outputHeight * outputWidth }
}

/// Shapes and quantization of a FULLY_CONNECTED: input [batches, depth], weights [units, depth].
public struct FullyConnectedParameters: Sendable, Equatable {
    public var depth: Int
    public var units: Int
    public var inputOffset: Int32
    public var outputOffset: Int32
    public var activationMin: Int32, activationMax: Int32

    public init(depth: Int, units: Int, inputOffset: Int32 = 0, outputOffset: Int32 = 0,
                activationMin: Int32 = -128, activationMax: Int32 = 127) {
        (self.depth, self.units, self.inputOffset, self.outputOffset) = (depth, units, inputOffset, outputOffset)
        (self.activationMin, self.activationMax) = (activationMin, activationMax)
    }
}

/// Geometry of MAX_POOL_2D / AVERAGE_POOL_2D (input and output share scale and zero point).
public struct PoolParameters: Sendable, Equatable {
    public var inputHeight: Int, inputWidth: Int, channels: Int
    public var outputHeight: Int, outputWidth: Int
    public var filterHeight: Int, filterWidth: Int
    public var strideH: Int, strideW: Int
    public var padTop: Int, padLeft: Int
    public var activationMin: Int32, activationMax: Int32

    public init(inputHeight: Int, inputWidth: Int, channels: Int, outputHeight: Int, outputWidth: Int,
                filterHeight: Int, filterWidth: Int, strideH: Int, strideW: Int, padTop: Int = 0, padLeft: Int = 0,
                activationMin: Int32 = -128, activationMax: Int32 = 127) {
        (self.inputHeight, self.inputWidth, self.channels) = (inputHeight, inputWidth, channels)
        (self.outputHeight, self.outputWidth, self.filterHeight, self.filterWidth) = (outputHeight, outputWidth, filterHeight, filterWidth)
        (self.strideH, self.strideW, self.padTop, self.padLeft) = (strideH, strideW, padTop, padLeft)
        (self.activationMin, self.activationMax) = (activationMin, activationMax)
    }
}

/// Output size and leading padding of a SAME/VALID window, as TFLite's
/// `ComputePaddingHeightWidth` (kernels/padding.h): SAME pads (total / 2) before.
public func windowGeometry(inputSize: Int, filterSize: Int, stride: Int, dilation: Int, same: Bool) -> (output: Int, padBefore: Int) {
    let effectiveFilter = (filterSize - 1) * dilation + 1
    let output = same ? (inputSize + stride - 1) / stride : (inputSize - effectiveFilter + stride) / stride
    let total = max(0, (output - 1) * stride + effectiveFilter - inputSize)
    return (max(0, output), total / 2)
}
