import Glibc
import QuantMath

// MEAN and SOFTMAX, int8.

/// MEAN over a set of axes: sum of (q − zp_in) per output element, then one requantization by
/// s_in / (s_out · n) with double rounding (shared/conformance/tflite/README.md, MEAN).
public struct MeanParameters: Sendable, Equatable {
    /// Input dimensions padded to rank 6 on the left.
    public var inputDims: [Int]
    /// Output stride of each input dimension; 0 for reduced dimensions.
    public var outputStrides: [Int]
    public var outputCount: Int
    public var inputOffset: Int32, outputOffset: Int32
    public var multiplier: QuantizedMultiplier

    public init?(inputShape: [Int], axes: Set<Int>, inputScale: Float, inputZeroPoint: Int32,
                 outputScale: Float, outputZeroPoint: Int32) {
        let r = BroadcastPlan.rank
        guard inputShape.count <= r, axes.allSatisfy({ $0 >= 0 && $0 < inputShape.count }) else { return nil }
        let pad = r - inputShape.count
        let dims = Array(repeating: 1, count: pad) + inputShape
        var strides = [Int](repeating: 0, count: r)
        var step = 1
        var n = 1
        for i in stride(from: r - 1, through: 0, by: -1) {
            if i >= pad && axes.contains(i - pad) {
                n *= dims[i]
            } else {
                strides[i] = step
                step *= dims[i]
            }
        }
        guard n > 0, let m = QuantizedMultiplier(Double(inputScale) / (Double(outputScale) * Double(n))) else { return nil }
        (inputDims, outputStrides, outputCount) = (dims, strides, step)
        (inputOffset, outputOffset, multiplier) = (-inputZeroPoint, outputZeroPoint, m)
    }
}

/// MEAN; `acc` is scratch for `outputCount` int32 sums.
public func meanReference(output: UnsafeMutablePointer<Int8>, input: UnsafePointer<Int8>, params p: MeanParameters,
                          acc: UnsafeMutablePointer<Int32>) {
    acc.update(repeating: 0, count: p.outputCount)
    let d = p.inputDims, s = p.outputStrides
    var i = 0
    for i0 in 0..<d[0] { for i1 in 0..<d[1] { for i2 in 0..<d[2] { for i3 in 0..<d[3] { for i4 in 0..<d[4] {
        let base = i0 * s[0] + i1 * s[1] + i2 * s[2] + i3 * s[3] + i4 * s[4]
        for i5 in 0..<d[5] {
            acc[base + i5 * s[5]] &+= Int32(input[i]) &+ p.inputOffset
            i += 1
        }
    } } } } }
    for o in 0..<p.outputCount {
        output[o] = clampToInt8(multiplyByQuantizedMultiplier(acc[o], p.multiplier) &+ p.outputOffset)
    }
}

/// SOFTMAX over the last axis with TFLite's float lookup table (softmax.cc, int8 path):
/// t[d] = expf(−s_in · β · d) for d = max − q in 0...255.
public struct SoftmaxParameters: Sendable, Equatable {
    public var rowLength: Int
    public var table: [Float]
    public var outputScale: Float
    public var outputZeroPoint: Int32

    public init(rowLength: Int, inputScale: Float, beta: Float, outputScale: Float, outputZeroPoint: Int32) {
        let scale = -inputScale * beta
        table = (0...255).map { expf(scale * Float($0)) }
        (self.rowLength, self.outputScale, self.outputZeroPoint) = (rowLength, outputScale, outputZeroPoint)
    }
}

/// SOFTMAX of `rows` rows: p = t[max − q] / Σ t, requantized with round half away from zero.
public func softmaxReference(output: UnsafeMutablePointer<Int8>, input: UnsafePointer<Int8>, rows: Int,
                             params p: SoftmaxParameters) {
    p.table.withUnsafeBufferPointer { table in
        for r in 0..<rows {
            let row = input + r * p.rowLength
            let out = output + r * p.rowLength
            var maxValue: Int32 = -128
            for j in 0..<p.rowLength { maxValue = max(maxValue, Int32(row[j])) }
            var sum: Float = 0
            for j in 0..<p.rowLength { sum += table[Int(maxValue - Int32(row[j]))] }
            let inverse: Float = 1 / (sum * p.outputScale)
            for j in 0..<p.rowLength {
                let scaled = table[Int(maxValue - Int32(row[j]))] * inverse
                out[j] = clampToInt8(roundToInt32(scaled) &+ p.outputZeroPoint)
            }
        }
    }
}
