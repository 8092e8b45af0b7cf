import Foundation

/// Keras' backend epsilon: probabilities are clipped to [eps, 1-eps] before any log.
public let kerasEpsilon: Float = 1e-7

/// Sigmoid focal cross-entropy on probabilities, as the reference used it:
/// tfa.losses.SigmoidFocalCrossEntropy(from_logits=False) on the softmax outputs (Lin et al., 2017).
/// Per class: ce = -[y log(clip(p)+eps) + (1-y) log(1-clip(p)+eps)] (tf.keras backend
/// binary_crossentropy), p_t = y p + (1-y)(1-p), alpha_t = y a + (1-y)(1-a),
/// loss = sum_c alpha_t (1-p_t)^gamma ce, then the mean over the batch.
public struct FocalLoss: Sendable, Equatable {
    public var gamma: Float
    public var alpha: [Float]

    /// The reference's per-class alphas in class order anger, contempt, disgust, fear, happiness,
    /// neutral, sadness, surprise.
    public static let reference = FocalLoss(gamma: 2, alpha: [0.70, 0.80, 0.75, 0.70, 0.50, 0.45, 0.70, 0.55])

    public init(gamma: Float, alpha: [Float]) {
        self.gamma = gamma
        self.alpha = alpha
    }
}

/// The training objective on the model's probabilities.
public enum LossFunction: Sendable, Equatable {
    /// Focal loss (see `FocalLoss`); targets may be one-hot or soft.
    case focal(FocalLoss)
    /// Categorical cross-entropy -sum y log(clip(p)) with Keras' clipping; with soft targets this
    /// is the soft-label cross-entropy.
    case crossEntropy

    /// Mean loss over the batch; writes dL/dp into dprobs (overwriting).
    /// probs, targets, dprobs: (N, C).
    public func evaluate(_ dprobs: UnsafeMutablePointer<Float>?, _ probs: UnsafePointer<Float>,
                         _ targets: UnsafePointer<Float>, _ n: Int, _ c: Int) -> Float {
        switch self {
        case .focal(let f):
            precondition(f.alpha.count == c, "focal loss has \(f.alpha.count) alphas for \(c) classes")
            return focalLoss(dprobs, probs, targets, n, c, gamma: f.gamma, alpha: f.alpha)
        case .crossEntropy:
            return crossEntropyLoss(dprobs, probs, targets, n, c)
        }
    }
}

/// Focal loss and its gradient with respect to the probabilities; see `FocalLoss`.
public func focalLoss(_ dprobs: UnsafeMutablePointer<Float>?, _ probs: UnsafePointer<Float>,
                      _ targets: UnsafePointer<Float>, _ n: Int, _ c: Int, gamma: Float, alpha: [Float]) -> Float {
    let eps = kerasEpsilon
    var total: Double = 0
    let invN = 1 / Float(n)
    for i in 0..<n * c {
        let y = targets[i], p = probs[i], a = alpha[i % c]
        let inRange = p > eps && p < 1 - eps
        let pc = min(max(p, eps), 1 - eps)
        let ce = -(y * log(pc + eps) + (1 - y) * log(1 - pc + eps))
        let pt = y * p + (1 - y) * (1 - p)
        let at = y * a + (1 - y) * (1 - a)
        let q = 1 - pt
        let mod = pow(q, gamma)
        total += Double(at * mod * ce)
        if let dprobs {
            // d/dp: at * [d(q^gamma)/dp * ce + q^gamma * dce/dp], dq/dp = -(2y - 1); the clip
            // passes no gradient outside [eps, 1-eps], like tf.clip_by_value.
            let dmod: Float = q > 0 ? -gamma * pow(q, gamma - 1) * (2 * y - 1) : 0
            let dce: Float = inRange ? -(y / (pc + eps) - (1 - y) / (1 - pc + eps)) : 0
            dprobs[i] = at * (dmod * ce + mod * dce) * invN
        }
    }
    return Float(total / Double(n))
}

/// Categorical cross-entropy on probabilities (Keras from_logits=False: clip to [eps, 1-eps]) and
/// its gradient with respect to the probabilities.
public func crossEntropyLoss(_ dprobs: UnsafeMutablePointer<Float>?, _ probs: UnsafePointer<Float>,
                             _ targets: UnsafePointer<Float>, _ n: Int, _ c: Int) -> Float {
    let eps = kerasEpsilon
    var total: Double = 0
    let invN = 1 / Float(n)
    for i in 0..<n * c {
        let y = targets[i], p = probs[i]
        let pc = min(max(p, eps), 1 - eps)
        total -= Double(y * log(pc))
        dprobs?[i] = (p > eps && p < 1 - eps) ? -y / pc * invN : 0
    }
    return Float(total / Double(n))
}
