import Foundation

/// Adam with Keras 3's update form (keras/src/optimizers/adam.py):
/// t += 1; a = lr * sqrt(1 - b2^t) / (1 - b1^t); m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2);
/// w -= a * m / (sqrt(v) + eps). Defaults are Keras': b1 0.9, b2 0.999, eps 1e-7.
public final class Adam {
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-7
    /// Steps taken so far (Keras `iterations`).
    public var step: Int = 0
    /// First and second moments, one buffer per parameter in `Model.parameters` order.
    public let m: [FloatBuffer]
    public let v: [FloatBuffer]

    public init(parameters: [Parameter]) {
        m = parameters.map { FloatBuffer(count: $0.count) }
        v = parameters.map { FloatBuffer(count: $0.count) }
    }

    /// Applies one update with learning rate `lr` using the accumulated gradients.
    public func update(_ parameters: [Parameter], learningRate lr: Float) {
        precondition(parameters.count == m.count, "optimizer built for another parameter list")
        step += 1
        let t = Double(step)
        let alpha = Float(Double(lr) * (1 - pow(Double(beta2), t)).squareRoot() / (1 - pow(Double(beta1), t)))
        let b1 = beta1, b2 = beta2, eps = epsilon
        for (k, p) in parameters.enumerated() {
            let w = p.value.pointer, g = p.gradient.pointer, mk = m[k].pointer, vk = v[k].pointer
            for i in 0..<p.count {
                mk[i] += (g[i] - mk[i]) * (1 - b1)
                vk[i] += (g[i] * g[i] - vk[i]) * (1 - b2)
                w[i] -= alpha * mk[i] / (vk[i].squareRoot() + eps)
            }
        }
    }
}

/// Step decay: lr(epoch) = initial * factor^floor(epoch / every) (reference: 1e-3, x0.75 every 5).
public struct StepDecay: Sendable, Equatable {
    public var initial: Float = 1e-3
    public var factor: Float = 0.75
    public var every: Int = 5
    public init(initial: Float = 1e-3, factor: Float = 0.75, every: Int = 5) {
        self.initial = initial
        self.factor = factor
        self.every = every
    }
    /// Learning rate for a 0-based epoch.
    public func rate(epoch: Int) -> Float {
        initial * Float(pow(Double(factor), Double(epoch / max(every, 1))))
    }
}
