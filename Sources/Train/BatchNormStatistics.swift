/// Re-measuring BatchNorm statistics without changing what a model computes.
extension Model {
    /// Gives every BatchNorm moving statistics measured on `images` (count, H, W, C) in inference
    /// mode, in batches of `batch` as training sees them (mean of the batch means and of the batch
    /// variances, the values Keras' moving averages settle at), and the gamma and beta that keep its
    /// inference function y = x·m + a. Training then normalizes with batch statistics close to the
    /// moving ones, so its first steps see the same function (a model imported from TFLite only
    /// knows m and a). Returns each BN's largest relative change of m or a (float rounding only).
    @discardableResult
    public func remeasureBatchNormStatistics(_ images: UnsafePointer<Float>, count: Int, batch: Int = 256) -> [Float] {
        let norms = layers.enumerated().compactMap { i, l in (l as? BatchNormLayer).map { (i, $0) } }
        // Per BN: the sums of the batch means and of the batch variances, weighted by batch size.
        var means = norms.map { [Double](repeating: 0, count: $0.1.inputShape.channels) }
        var variances = means
        var start = 0
        while start < count {
            let n = min(batch, count - start)
            _ = forward(images + start * spec.input.count, n: n, training: false)
            for (k, (i, bn)) in norms.enumerated() {
                let c = bn.inputShape.channels, x = activations[i].pointer
                var sum = [Double](repeating: 0, count: c), square = sum
                let rows = n * bn.inputShape.height * bn.inputShape.width
                for r in 0..<rows {
                    for ch in 0..<c {
                        let v = Double(x[r * c + ch])
                        sum[ch] += v
                        square[ch] += v * v
                    }
                }
                for ch in 0..<c {
                    let m = sum[ch] / Double(rows)
                    means[k][ch] += m * Double(n)
                    variances[k][ch] += max(square[ch] / Double(rows) - m * m, 0) * Double(n)
                }
            }
            start += n
        }
        return norms.enumerated().map { k, entry in
            let bn = entry.1
            var change: Float = 0
            for ch in 0..<bn.inputShape.channels {
                let oldScale = (bn.movingVariance[ch] + bn.epsilon).squareRoot()
                let m = bn.gamma.value[ch] / oldScale, a = bn.beta.value[ch] - bn.movingMean[ch] * m
                let mean = Float(means[k][ch] / Double(count)), variance = Float(variances[k][ch] / Double(count))
                bn.movingMean[ch] = mean
                bn.movingVariance[ch] = variance
                bn.gamma.value[ch] = m * (variance + bn.epsilon).squareRoot()
                bn.beta.value[ch] = a + mean * m
                let m2 = bn.gamma.value[ch] / (variance + bn.epsilon).squareRoot(), a2 = bn.beta.value[ch] - mean * m2
                change = max(change, abs(m2 - m) / max(abs(m), 1e-12), abs(a2 - a) / max(abs(a), 1e-6))
            }
            return change
        }
    }
}
