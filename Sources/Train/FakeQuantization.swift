// Quantization-aware training (Jacob et al., 2018): the forward pass sees the int8 model's
// rounding, the backward pass treats the rounding as the identity (straight-through), so the
// float weights learn to sit where int8 inference does well.

/// One activation tensor's int8 grid: real = scale · (q − zeroPoint), q in [−128, 127].
public struct ActivationGrid: Sendable, Equatable {
    public var scale: Float
    public var zeroPoint: Int
    public init(scale: Float, zeroPoint: Int) { (self.scale, self.zeroPoint) = (scale, zeroPoint) }

    /// The real values of q = −128 and q = 127: values outside are clipped to them.
    public var bounds: (low: Float, high: Float) {
        (Float(-128 - zeroPoint) * scale, Float(127 - zeroPoint) * scale)
    }
}

/// Rounds x (count values) in place onto `grid`.
func fakeQuantize(_ x: UnsafeMutablePointer<Float>, count: Int, grid: ActivationGrid, threads: Int) {
    let inverse = 1 / grid.scale, zp = Float(grid.zeroPoint), scale = grid.scale
    parallelFor(count, threads: threads, minimumPerThread: 16384) { range in
        for j in range {
            let q = min(max((x[j] * inverse).rounded(.toNearestOrEven) + zp, -128), 127)
            x[j] = (q - zp) * scale
        }
    }
}

/// The straight-through gradient of `fakeQuantize`: zero where the forward value sat on a clipping
/// bound (clipped, or within half a step of the bound), unchanged elsewhere.
func clipGradient(_ dy: UnsafeMutablePointer<Float>, outputs y: UnsafePointer<Float>, count: Int, grid: ActivationGrid,
                  threads: Int) {
    let (low, high) = grid.bounds
    parallelFor(count, threads: threads, minimumPerThread: 16384) { range in
        for j in range where y[j] <= low || y[j] >= high { dy[j] = 0 }
    }
}

/// Per-channel symmetric int8 rounding of a kernel whose output channel is the innermost axis
/// (conv (kh, kw, cin, cout), dense (in, out)), as the exporter quantizes it: scale max |w| / 127.
func fakeQuantizeKernel(_ w: UnsafeMutablePointer<Float>, count: Int, channels: Int) {
    var top = [Float](repeating: 0, count: channels)
    for j in 0..<count { top[j % channels] = max(top[j % channels], abs(w[j])) }
    let scales = top.map { $0 > 0 ? $0 / 127 : 1 }
    for j in 0..<count {
        let s = scales[j % channels]
        w[j] = min(max((w[j] / s).rounded(.toNearestOrAwayFromZero), -127), 127) * s
    }
}

extension Model {
    /// Rounds every conv and dense kernel in place to per-channel int8, as the exporter rounds
    /// them; returns the float values for `restoreKernels`.
    @discardableResult
    public func roundKernelsToInt8() -> [(kernel: Parameter, values: [Float])] {
        var saved: [(kernel: Parameter, values: [Float])] = []
        for layer in layers {
            let kernel: Parameter, channels: Int
            switch layer {
            case let conv as Conv2DLayer: (kernel, channels) = (conv.kernel, conv.outputShape.channels)
            case let dense as DenseLayer: (kernel, channels) = (dense.kernel, dense.outputShape.channels)
            default: continue
            }
            saved.append((kernel, kernel.value.array()))
            fakeQuantizeKernel(kernel.value.pointer, count: kernel.count, channels: channels)
        }
        return saved
    }

    public func restoreKernels(_ saved: [(kernel: Parameter, values: [Float])]) {
        for (kernel, values) in saved { kernel.value.pointer.update(from: values, count: values.count) }
    }
}
