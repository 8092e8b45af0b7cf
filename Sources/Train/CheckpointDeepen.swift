/// Deepening a trained network without changing what it computes (Net2Net's "deeper" growth,
/// Chen et al., 2016), for our conv → ReLU → BatchNorm blocks: a new `conv F k relu` + `bn` pair
/// after a `bn` of F channels starts as the identity, so a deeper model trains on from a converged
/// one instead of from scratch.
///
/// The BN output y it receives can be negative, so the new conv passes each channel through its
/// centre tap with sign s = sign(γ) and a bias that lifts s·y to just above zero: ReLU then
/// changes nothing, yet many values sit at its kink, where training can bend it. The new BN
/// undoes the lift and sign with statistics y already has (batch mean β, variance ≈ γ²), which
/// holds in inference and, up to ε, with training's batch statistics.
extension Checkpoint {
    /// This checkpoint's weights grown into `spec`: the same layers in order, plus inserted
    /// `conv F k relu` + `bn` pairs (odd k) right after a ReLU layer's `bn` of F channels. The result has epoch 0
    /// and no optimizer state: train it with `--init-from`. `path` names this file in errors.
    public func deepened(to spec: ModelSpec, path: String = "<checkpoint>") throws(CheckpointError) -> Checkpoint {
        let old = try makeModel(threads: 1, path: path)
        func fail(_ field: String, _ reason: String) -> CheckpointError { .badValue(path: path, field: field, reason: reason) }
        guard spec.input == old.spec.input else {
            throw fail("input", "the deeper spec has input \(spec.input), the checkpoint \(old.spec.input)")
        }
        let deep: Model
        do { deep = try Model(spec: spec, seed: 1, threads: 1) } catch { throw fail("deeper spec", error.description) }
        var j = 0, i = 0, inserted = 0
        while i < spec.layers.count {
            let field = "layer \(i + 1) (`\(spec.layers[i].line)`)"
            if j < old.spec.layers.count, old.spec.layers[j] == spec.layers[i] {
                copyValues(from: old.layers[j], to: deep.layers[i])
                i += 1; j += 1
                continue
            }
            guard case .conv(let filters, let k, .relu) = spec.layers[i], k % 2 == 1,
                  i + 1 < spec.layers.count, case .batchNorm = spec.layers[i + 1],
                  i > 1, let before = deep.layers[i - 1] as? BatchNormLayer, before.inputShape.channels == filters,
                  endsInReLU(spec.layers[i - 2]) else {
                let had = j < old.spec.layers.count ? "`\(old.spec.layers[j].line)`" : "no more layers"
                throw fail(field, "the checkpoint has \(had) here; a deeper spec keeps its layers and inserts `conv F k relu` (odd k) + `bn` pairs after a ReLU layer's `bn` of F channels")
            }
            insertIdentity(conv: deep.layers[i] as! Conv2DLayer, norm: deep.layers[i + 1] as! BatchNormLayer, after: before)
            i += 2; inserted += 1
        }
        guard j == old.spec.layers.count, inserted > 0 else {
            throw fail("layers", inserted == 0 ? "the deeper spec inserts no layers" : "the deeper spec drops the checkpoint's layers from layer \(j + 1) (`\(old.spec.layers[j].line)`) on")
        }
        var out = Checkpoint(model: deep, seed: 1)
        out.notes = "{\"deepenedFrom\":\"\(path)\",\"fromEpoch\":\(epoch),\"insertedBlocks\":\(inserted)}"
        return out
    }
}

/// True when the layer's outputs are ReLU outputs (≥ 0): the identity lift relies on the BN after
/// it seeing its smallest input at 0.
private func endsInReLU(_ layer: LayerSpec) -> Bool {
    switch layer {
    case .conv(_, _, .relu), .dense(_, .relu), .activation(.relu): true
    default: false
    }
}

/// Copies parameters and BN statistics between two layers built from the same spec line.
private func copyValues(from a: any Layer, to b: any Layer) {
    for (p, q) in zip(a.parameters, b.parameters) { q.value.pointer.update(from: p.value.pointer, count: p.count) }
    for (p, q) in zip(a.stateBuffers, b.stateBuffers) { q.pointer.update(from: p.pointer, count: p.count) }
}

/// Makes `conv` + `norm` compute the identity on `before`'s output (see the type comment).
private func insertIdentity(conv: Conv2DLayer, norm: BatchNormLayer, after before: BatchNormLayer) {
    let c = conv.outputShape.channels, k = conv.kernelSize
    let centre = (k / 2) * k + k / 2
    conv.kernel.value.zero()
    for ch in 0..<c {
        let gamma = before.gamma.value[ch], beta = before.beta.value[ch]
        let sign: Float = gamma < 0 ? -1 : 1
        // The previous BN's input is a ReLU output (≥ 0), so s·y is smallest where it was 0;
        // a tenth of |γ| of slack covers batch statistics that differ from the moving ones.
        let zeroInput = (0 - before.movingMean[ch]) / (before.movingVariance[ch] + before.epsilon).squareRoot()
        let lowest = sign * (gamma * zeroInput + beta)
        let lift = max(0, -lowest) + 0.1 * abs(gamma)
        conv.kernel.value[(centre * c + ch) * c + ch] = sign
        conv.bias.value[ch] = lift
        norm.movingMean[ch] = lift + sign * beta
        norm.movingVariance[ch] = gamma * gamma
        norm.gamma.value[ch] = sign * (gamma * gamma + norm.epsilon).squareRoot()
        norm.beta.value[ch] = beta
    }
}
