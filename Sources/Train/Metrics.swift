import Foundation

/// Classification quality of predictions against true labels: confusion matrix (rows = true
/// class, columns = predicted), accuracy, per-class precision/recall/F1, macro and
/// support-weighted F1 (scikit-learn's definitions; 0 where a denominator is 0).
public struct ClassificationMetrics: Sendable, Equatable, Codable {
    public var confusion: [[Int]]
    public var accuracy: Double
    public var precision: [Double]
    public var recall: [Double]
    public var f1: [Double]
    public var support: [Int]
    public var macroF1: Double
    public var weightedF1: Double

    public init(labels: [Int], predictions: [Int], classes: Int) {
        precondition(labels.count == predictions.count, "one prediction per label")
        var m = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        for (t, p) in zip(labels, predictions) { m[t][p] += 1 }
        confusion = m
        let total = labels.count
        let correct = (0..<classes).reduce(0) { $0 + m[$1][$1] }
        accuracy = total > 0 ? Double(correct) / Double(total) : 0
        let sup = m.map { $0.reduce(0, +) }
        let prec = (0..<classes).map { c in
            let predicted = (0..<classes).reduce(0) { $0 + m[$1][c] }
            return predicted > 0 ? Double(m[c][c]) / Double(predicted) : 0
        }
        let rec = (0..<classes).map { c in sup[c] > 0 ? Double(m[c][c]) / Double(sup[c]) : 0 }
        let f = zip(prec, rec).map { p, r in p + r > 0 ? 2 * p * r / (p + r) : 0 }
        support = sup
        precision = prec
        recall = rec
        f1 = f
        macroF1 = classes > 0 ? f.reduce(0, +) / Double(classes) : 0
        weightedF1 = total > 0 ? zip(f, sup).reduce(0) { $0 + $1.0 * Double($1.1) } / Double(total) : 0
    }

    /// A metric by name: accuracy, macro-f1 or weighted-f1.
    public func value(of metric: SelectionMetric) -> Double {
        switch metric {
        case .accuracy: accuracy
        case .macroF1: macroF1
        case .weightedF1: weightedF1
        }
    }

    /// A plain-text report: per-class table and the confusion matrix.
    public func report(classNames: [String]) -> String {
        var lines = [String(format: "accuracy %.4f  macro-F1 %.4f  weighted-F1 %.4f", accuracy, macroF1, weightedF1)]
        let width = max(10, classNames.map(\.count).max() ?? 0)
        func pad(_ s: String) -> String { s.padding(toLength: width, withPad: " ", startingAt: 0) }
        lines.append(pad("class") + "  precision  recall  f1      support")
        for (c, name) in classNames.enumerated() {
            lines.append(pad(name) + String(format: "  %9.4f  %6.4f  %6.4f  %7d", precision[c], recall[c], f1[c], support[c]))
        }
        lines.append("confusion (rows true, columns predicted):")
        for (c, row) in confusion.enumerated() {
            lines.append(pad(classNames[c]) + row.map { String(format: "%6d", $0) }.joined())
        }
        return lines.joined(separator: "\n")
    }
}

/// The metric that picks the best checkpoint.
public enum SelectionMetric: String, Sendable, CaseIterable, Codable {
    case accuracy
    case macroF1 = "macro-f1"
    case weightedF1 = "weighted-f1"
}

/// Float evaluation of a model on a source (no augmentation): class predictions and metrics.
public func evaluate(_ model: Model, on source: any TrainingSource, batch: Int = 256) -> ClassificationMetrics {
    let classes = model.outputShape.count
    let s = model.inputShape.count
    let images = FloatBuffer(count: batch * s), targets = FloatBuffer(count: batch * classes)
    var predictions: [Int] = [], labels: [Int] = []
    predictions.reserveCapacity(source.count)
    var unused = TrainRandom(seed: 0)
    var start = 0
    while start < source.count {
        let n = min(batch, source.count - start)
        source.fill(images: images.pointer, targets: targets.pointer, indices: ArraySlice(start..<start + n),
                    augment: false, epoch: 0, random: &unused)
        let probs = model.forward(images.pointer, n: n, training: false)
        for r in 0..<n {
            predictions.append(argmax(probs + r * classes, classes))
            labels.append(source.label(start + r))
        }
        start += n
    }
    return ClassificationMetrics(labels: labels, predictions: predictions, classes: classes)
}
