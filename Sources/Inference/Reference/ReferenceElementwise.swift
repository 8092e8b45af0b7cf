import QuantMath

// ADD and MUL of int8 tensors with numpy-style broadcasting
// (kernels/internal/reference/integer_ops/add.h, mul.h).

/// How two input shapes broadcast to the output shape, padded to rank 6 on the left.
/// A stride of 0 repeats the input along that dimension.
public struct BroadcastPlan: Sendable, Equatable {
    public static let rank = 6
    public var outputDims: [Int]
    public var strides1: [Int]
    public var strides2: [Int]

    /// nil when the shapes do not broadcast (a dimension differs and neither is 1) or rank > 6.
    public init?(_ shape1: [Int], _ shape2: [Int]) {
        let r = Self.rank
        guard shape1.count <= r, shape2.count <= r else { return nil }
        let d1 = Array(repeating: 1, count: r - shape1.count) + shape1
        let d2 = Array(repeating: 1, count: r - shape2.count) + shape2
        var out = [Int](repeating: 1, count: r)
        for i in 0..<r {
            guard d1[i] == d2[i] || d1[i] == 1 || d2[i] == 1 else { return nil }
            out[i] = max(d1[i], d2[i])
        }
        func strides(_ d: [Int]) -> [Int] {
            var s = [Int](repeating: 0, count: r)
            var step = 1
            for i in stride(from: r - 1, through: 0, by: -1) {
                s[i] = d[i] == 1 ? 0 : step
                step *= d[i]
            }
            return s
        }
        (outputDims, strides1, strides2) = (out, strides(d1), strides(d2))
    }

    public var outputCount: Int { outputDims.reduce(1, *) }

    /// Calls `body(outputIndex, index1, index2)` for every output element in row-major order.
    @inline(__always)
    func forEach(_ body: (Int, Int, Int) -> Void) {
        let d = outputDims, s1 = strides1, s2 = strides2
        var o = 0
        for i0 in 0..<d[0] { for i1 in 0..<d[1] { for i2 in 0..<d[2] { for i3 in 0..<d[3] { for i4 in 0..<d[4] {
            let a = i0 * s1[0] + i1 * s1[1] + i2 * s1[2] + i3 * s1[3] + i4 * s1[4]
            let b = i0 * s2[0] + i1 * s2[1] + i2 * s2[2] + i3 * s2[3] + i4 * s2[4]
            for i5 in 0..<d[5] {
                body(o, a + i5 * s1[5], b + i5 * s2[5])
                o += 1
            }
        } } } } }
    }
}

/// Quantization of an int8 ADD (TFLite's `PrepareGeneralSubOp`/add.cc int8 path): both inputs
/// are shifted left by 20 bits and rescaled to 2·max(s1, s2); the sum is rescaled to the output.
public struct AddParameters: Sendable, Equatable {
    public static let leftShift: Int32 = 20
    public var input1Offset: Int32, input2Offset: Int32, outputOffset: Int32
    public var input1Multiplier: QuantizedMultiplier, input2Multiplier: QuantizedMultiplier
    public var outputMultiplier: QuantizedMultiplier
    public var activationMin: Int32, activationMax: Int32

    /// nil when a multiplier is not representable (non-positive or absurd scales).
    public init?(scale1: Float, zeroPoint1: Int32, scale2: Float, zeroPoint2: Int32, outputScale: Float,
                 outputZeroPoint: Int32, activationMin: Int32 = -128, activationMax: Int32 = 127) {
        let twiceMax = 2 * Double(max(scale1, scale2))
        guard let m1 = QuantizedMultiplier(Double(scale1) / twiceMax),
              let m2 = QuantizedMultiplier(Double(scale2) / twiceMax),
              let mo = QuantizedMultiplier(twiceMax / (Double(1 << Self.leftShift) * Double(outputScale))),
              m1.shift <= 0, m2.shift <= 0, mo.shift <= 0
        else { return nil }
        (input1Offset, input2Offset, outputOffset) = (-zeroPoint1, -zeroPoint2, outputZeroPoint)
        (input1Multiplier, input2Multiplier, outputMultiplier) = (m1, m2, mo)
        (self.activationMin, self.activationMax) = (activationMin, activationMax)
    }
}

/// Quantization of an int8 MUL: one multiplier s1·s2/s_out, computed in float32 as TFLite's
/// mul.cc does (the conformance data shows the double version differs).
public struct MulParameters: Sendable, Equatable {
    public var input1Offset: Int32, input2Offset: Int32, outputOffset: Int32
    public var outputMultiplier: QuantizedMultiplier
    public var activationMin: Int32, activationMax: Int32

    public init?(scale1: Float, zeroPoint1: Int32, scale2: Float, zeroPoint2: Int32, outputScale: Float,
                 outputZeroPoint: Int32, activationMin: Int32 = -128, activationMax: Int32 = 127) {
        let real: Float = scale1 * scale2 / outputScale
        guard let m = QuantizedMultiplier(Double(real)) else { return nil }
        (input1Offset, input2Offset, outputOffset, outputMultiplier) = (-zeroPoint1, -zeroPoint2, outputZeroPoint, m)
        (self.activationMin, self.activationMax) = (activationMin, activationMax)
    }
}

/// Requantizes one ADD element.
@inline(__always)
public func addElement(_ a: Int8, _ b: Int8, _ p: AddParameters) -> Int8 {
    let shifted1 = (Int32(a) &+ p.input1Offset) &* (1 << AddParameters.leftShift)
    let shifted2 = (Int32(b) &+ p.input2Offset) &* (1 << AddParameters.leftShift)
    let scaled1 = multiplyByQuantizedMultiplier(shifted1, p.input1Multiplier)
    let scaled2 = multiplyByQuantizedMultiplier(shifted2, p.input2Multiplier)
    let sum = multiplyByQuantizedMultiplier(scaled1 &+ scaled2, p.outputMultiplier) &+ p.outputOffset
    return clampToInt8(sum, min: p.activationMin, max: p.activationMax)
}

/// Requantizes one MUL element.
@inline(__always)
public func mulElement(_ a: Int8, _ b: Int8, _ p: MulParameters) -> Int8 {
    let product = (Int32(a) &+ p.input1Offset) &* (Int32(b) &+ p.input2Offset)
    let scaled = multiplyByQuantizedMultiplier(product, p.outputMultiplier) &+ p.outputOffset
    return clampToInt8(scaled, min: p.activationMin, max: p.activationMax)
}

/// ADD with broadcasting: output[i] = requantized (input1 + input2).
public func addReference(output: UnsafeMutablePointer<Int8>, input1: UnsafePointer<Int8>, input2: UnsafePointer<Int8>,
                         plan: BroadcastPlan, params: AddParameters) {
    plan.forEach { o, i, j in output[o] = addElement(input1[i], input2[j], params) }
}

/// MUL with broadcasting: output[i] = requantized (input1 · input2).
public func mulReference(output: UnsafeMutablePointer<Int8>, input1: UnsafePointer<Int8>, input2: UnsafePointer<Int8>,
                         plan: BroadcastPlan, params: MulParameters) {
    plan.forEach { o, i, j in output[o] = mulElement(input1[i], input2[j], params) }
}
