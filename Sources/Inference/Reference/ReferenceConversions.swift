import QuantMath

// QUANTIZE, DEQUANTIZE, PAD, CONCATENATION and RESHAPE.

/// QUANTIZE float32 → int8: clamp(round_half_away(x / scale) + zeroPoint), in float32.
public func quantizeReference(output: UnsafeMutablePointer<Int8>, input: UnsafePointer<Float>, count: Int,
                              scale: Float, zeroPoint: Int32) {
    for i in 0..<count {
        output[i] = clampToInt8(roundToInt32(input[i] / scale) &+ zeroPoint)
    }
}

/// DEQUANTIZE int8 → float32: scale · (q − zeroPoint).
public func dequantizeReference(output: UnsafeMutablePointer<Float>, input: UnsafePointer<Int8>, count: Int,
                                scale: Float, zeroPoint: Int32) {
    for i in 0..<count {
        output[i] = Float(Int32(input[i]) - zeroPoint) * scale
    }
}

/// PAD of a tensor padded to rank 4, filling with the (input = output) zero point.
public struct PadParameters: Sendable, Equatable {
    public var inputDims: [Int]
    public var before: [Int]
    public var after: [Int]
    public var elementSize: Int
    public var padByte: UInt8

    public init(inputDims: [Int], before: [Int], after: [Int], elementSize: Int, padByte: UInt8) {
        (self.inputDims, self.before, self.after, self.elementSize, self.padByte) = (inputDims, before, after, elementSize, padByte)
    }

    public var outputDims: [Int] { (0..<inputDims.count).map { inputDims[$0] + before[$0] + after[$0] } }
}

/// PAD: fill the output with the pad value, then copy each innermost input row into place.
public func padReference(output: UnsafeMutableRawPointer, input: UnsafeRawPointer, params p: PadParameters) {
    let o = p.outputDims, d = p.inputDims, e = p.elementSize
    output.initializeMemory(as: UInt8.self, repeating: p.padByte, count: o.reduce(1, *) * e)
    let rowBytes = d[3] * e
    var src = input
    for i0 in 0..<d[0] { for i1 in 0..<d[1] { for i2 in 0..<d[2] {
        let outRow = (((i0 + p.before[0]) * o[1] + i1 + p.before[1]) * o[2] + i2 + p.before[2]) * o[3] + p.before[3]
        (output + outRow * e).copyMemory(from: src, byteCount: rowBytes)
        src += rowBytes
    } } }
}

/// CONCATENATION along one axis of tensors sharing scale and zero point: a byte copy of each
/// input's slab (its dimensions from the axis on) for every index of the dimensions before it.
public func concatenationReference(output: UnsafeMutableRawPointer, inputCount: Int, input: (Int) -> UnsafeRawPointer,
                                   slabBytes: [Int], outerCount: Int) {
    var dst = output
    for outer in 0..<outerCount {
        for k in 0..<inputCount {
            dst.copyMemory(from: input(k) + outer * slabBytes[k], byteCount: slabBytes[k])
            dst += slabBytes[k]
        }
    }
}
