/// Widening a trained network without changing what it computes (function-preserving growth, as
/// in Chen et al., 2016, "Net2Net"): a wider model can start from a trained narrow one instead of
/// from scratch, which on 2 CPU cores saves hours. Old units keep their weights; new units get
/// fresh He-uniform incoming weights (so they are not copies of each other) and zero weights into
/// the old units of the next layer, so the widened model's outputs equal the old model's until
/// training moves them.
extension Checkpoint {
    /// This checkpoint's weights and BN statistics grown into `spec`, which must have the same
    /// input and layer list with every conv filter count and hidden dense unit count at least the
    /// old one (the last layer's units equal). New units are drawn from `seed`. The result has
    /// epoch 0 and no optimizer state: train it with `--init-from`. `path` names this file in errors.
    public func widened(to spec: ModelSpec, seed: UInt64, path: String = "<checkpoint>") throws(CheckpointError) -> Checkpoint {
        let old = try makeModel(threads: 1, path: path)
        func fail(_ field: String, _ reason: String) -> CheckpointError { .badValue(path: path, field: field, reason: reason) }
        guard spec.input == old.spec.input else {
            throw fail("input", "the wider spec has input \(spec.input), the checkpoint \(old.spec.input)")
        }
        guard spec.layers.count == old.spec.layers.count else {
            throw fail("layers", "the wider spec has \(spec.layers.count) layers, the checkpoint \(old.spec.layers.count)")
        }
        let wide: Model
        do { wide = try Model(spec: spec, seed: seed, threads: 1) } catch { throw fail("wider spec", error.description) }
        let lastWeighted = spec.layers.lastIndex { if case .dense = $0 { true } else if case .conv = $0 { true } else { false } }
        // For each element of the current activation (new model's layout): the index of the same
        // element in the old model's activation, or nil for a new unit. Starts as the identity.
        var inputMap: [Int?] = Array(0..<spec.input.count)
        for (i, (a, b)) in zip(old.spec.layers, spec.layers).enumerated() {
            let field = "layer \(i + 1) (`\(b.line)`)"
            switch (a, b) {
            case (.conv(let f0, let k0, let a0), .conv(let f1, let k1, let a1)):
                guard k0 == k1, a0 == a1, f1 >= f0, i != lastWeighted || f1 == f0 else {
                    throw fail(field, "the checkpoint has `\(a.line)`; a wider spec keeps kernel and activation and grows filters")
                }
                let (o, n) = (old.layers[i] as! Conv2DLayer, wide.layers[i] as! Conv2DLayer)
                let cin = n.inputShape.channels
                // Per input channel (pixel 0 of the map): old channels are the first ones, same index.
                let channelMap = (0..<cin).map { c in inputMap[c].map { _ in c } }
                copyGrown(kernel: n.kernel.value, from: o.kernel.value, taps: k1 * k1, inMap: channelMap,
                          oldIn: o.inputShape.channels, out: f1, oldOut: f0)
                for u in 0..<f0 { n.bias.value[u] = o.bias.value[u] }
                inputMap = spatialMap(n.outputShape, oldChannels: f0)
            case (.dense(let u0, let a0), .dense(let u1, let a1)):
                guard a0 == a1, u1 >= u0, i != lastWeighted || u1 == u0 else {
                    throw fail(field, "the checkpoint has `\(a.line)`; a wider spec keeps the activation, grows hidden units and keeps the output units")
                }
                let (o, n) = (old.layers[i] as! DenseLayer, wide.layers[i] as! DenseLayer)
                copyGrown(kernel: n.kernel.value, from: o.kernel.value, taps: 1, inMap: inputMap,
                          oldIn: o.inputShape.count, out: u1, oldOut: u0)
                for u in 0..<u0 { n.bias.value[u] = o.bias.value[u] }
                inputMap = spatialMap(n.outputShape, oldChannels: u0)
            case (.batchNorm, .batchNorm):
                let (o, n) = (old.layers[i] as! BatchNormLayer, wide.layers[i] as! BatchNormLayer)
                for c in 0..<n.inputShape.channels {
                    guard let oc = inputMap[c] else { continue }
                    n.gamma.value[c] = o.gamma.value[oc]
                    n.beta.value[c] = o.beta.value[oc]
                    n.movingMean[c] = o.movingMean[oc]
                    n.movingVariance[c] = o.movingVariance[oc]
                }
            case (.maxPool(let p0), .maxPool(let p1)) where p0 == p1:
                inputMap = spatialMap(wide.layers[i].outputShape, oldChannels: old.layers[i].outputShape.channels)
            case (.flatten, .flatten), (.dropout, .dropout):
                break  // element order and count unchanged (flatten is already NHWC order)
            case (.activation(let x), .activation(let y)) where x == y:
                break
            default:
                throw fail(field, "the checkpoint has `\(a.line)` here; a wider spec changes only widths (and dropout rates)")
            }
        }
        var out = Checkpoint(model: wide, seed: seed)
        out.notes = "{\"widenedFrom\":\"\(path)\",\"fromEpoch\":\(epoch)}"
        return out
    }

    /// A fresh checkpoint of `model`'s weights and BN statistics: epoch 0, no optimizer state.
    public init(model: Model, seed: UInt64) {
        specText = model.spec.text
        notes = ""
        epoch = 0
        adamStep = 0
        dataRandom = TrainRandom(seed: seed)
        dropoutRandom = model.random
        tensors = Checkpoint.namedBuffers(model: model, optimizer: nil).map { ($0.name, $0.buffer.array()) }
    }
}

/// Maps each (h, w, c) of a widened activation to the old activation's flat index when c is one
/// of the `oldChannels` first channels.
private func spatialMap(_ shape: Shape3, oldChannels: Int) -> [Int?] {
    var map = [Int?](repeating: nil, count: shape.count)
    for p in 0..<(shape.height * shape.width) {
        for c in 0..<oldChannels { map[p * shape.channels + c] = p * oldChannels + c }
    }
    return map
}

/// Fills the old units' columns of a (taps, in, out) kernel: weights from old inputs are copied,
/// weights from new inputs are zero, so old units ignore new ones; new units' columns keep their
/// fresh initialisation. `inMap` maps each new input index to its old index (nil = new input).
private func copyGrown(kernel: FloatBuffer, from old: FloatBuffer, taps: Int, inMap: [Int?], oldIn: Int, out: Int, oldOut: Int) {
    let cin = inMap.count
    for t in 0..<taps {
        for c in 0..<cin {
            let row = (t * cin + c) * out
            for u in 0..<oldOut {
                if let oc = inMap[c] { kernel[row + u] = old[(t * oldIn + oc) * oldOut + u] } else { kernel[row + u] = 0 }
            }
        }
    }
}
