import Testing
@testable import Quantize
import Train

// Activation-range choice from calibration histograms: min/max keeps outliers, MSE and percentile
// clip them; exact zeros (ReLU) do not pull ranges in.

/// `n` values evenly spread over [lo, hi) plus `outliers`.
private func spread(_ n: Int, _ lo: Float, _ hi: Float, outliers: [Float] = []) -> [Float] {
    (0..<n).map { lo + (hi - lo) * Float($0) / Float(n) } + outliers
}

private func histogram(_ values: [Float]) -> TensorHistogram {
    var h = TensorHistogram(lo: values.min()!, hi: values.max()!, bins: 2048)
    h.add(values)
    return h
}

@Test func calibrationMethodParsesItsArgument() {
    #expect(CalibrationMethod(argument: "minmax") == .minMax)
    #expect(CalibrationMethod(argument: "mse") == .mse)
    if case .percentile(let p) = CalibrationMethod(argument: "percentile:99.9") { #expect(abs(p - 0.999) < 1e-12) } else {
        Issue.record("percentile:99.9 must parse")
    }
    #expect(CalibrationMethod(argument: "percentile:100") == .percentile(1))
    for bad in ["percentile:40", "percentile:101", "percentile:", "percentile:x", "max", ""] {
        #expect(CalibrationMethod(argument: bad) == nil, "\(bad) must be refused")
    }
}

@Test func minMaxKeepsTheOutlierAndMSEClipsIt() {
    // One outlier in a million: the squared-error optimum (4.375, computed by brute force in numpy)
    // trades clipping it (5.6² once) against a 2.3x finer step on every value.
    let h = histogram(spread(1_000_000, 0, 1, outliers: [10]))
    let minMax = h.range(.minMax)
    #expect(minMax.min == 0 && minMax.max == 10)
    let mse = h.range(.mse)
    #expect(mse.min == 0 && abs(mse.max - 4.375) < 0.05, "mse range \(mse)")
    let p = h.range(.percentile(0.999))
    #expect(p.max > 0.95 && p.max < 1.1, "percentile range \(p)")
}

@Test func mseKeepsAnOutlierThatIsNotRare() {
    // The same outlier among 20,000 values: clipping it costs more than the finer step saves.
    let r = histogram(spread(20_000, 0, 1, outliers: [10])).range(.mse)
    #expect(r.max > 9, "mse range \(r)")
}

@Test func mseKeepsARangeWithoutOutliers() {
    let h = histogram(spread(20_000, -2, 3))
    let r = h.range(.mse)
    // Uniform values: clipping any tail costs more than the finer step saves.
    #expect(r.min < -1.9 && r.max > 2.9, "mse range \(r)")
}

@Test func mseClipsBothSidesOfASignedTensor() {
    let h = histogram(spread(1_000_000, -1, 1, outliers: [-10, 10]))
    let r = h.range(.mse)
    // Brute-force optimum in numpy: ±2.8125.
    #expect(abs(r.min + 2.8125) < 0.05 && abs(r.max - 2.8125) < 0.05, "mse range \(r)")
}

@Test func exactZerosDoNotShrinkTheRange() {
    let values = spread(1_000_000, 0, 1, outliers: [10])
    let sparse = histogram(values + [Float](repeating: 0, count: 500_000)).range(.mse)
    let dense = histogram(values).range(.mse)
    #expect(sparse == dense, "zeros are exact in int8 and must not weigh on the choice")
}
