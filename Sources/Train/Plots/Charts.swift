import Foundation

/// The trainer's standard plots.
public enum Charts {
    /// Line chart of named series over epochs 1...n (values in [0, yMax]).
    public static func curves(title: String, series: [(name: String, values: [Double], color: RGB)],
                              yLabel: String) -> Figure {
        var f = Figure(width: 640, height: 400)
        let (left, right, top, bottom) = (60.0, 620.0, 40.0, 340.0)
        let n = series.map(\.values.count).max() ?? 0
        let yMax = max(series.flatMap(\.values).filter(\.isFinite).max() ?? 1, 1e-9) * 1.05
        f.text(320, 24, title, size: 12, anchor: .middle)
        for i in 0...5 {
            let v = yMax * Double(i) / 5, y = bottom - (bottom - top) * Double(i) / 5
            f.line(left, y, right, y, .gray)
            f.text(left - 6, y + 4, String(format: "%.3g", v), size: 7, anchor: .end)
        }
        f.line(left, top, left, bottom, .black)
        f.line(left, bottom, right, bottom, .black)
        f.text(320, 375, "epoch", size: 8, anchor: .middle)
        f.text(12, top - 10, yLabel, size: 8)
        func x(_ i: Int) -> Double { n <= 1 ? (left + right) / 2 : left + (right - left) * Double(i) / Double(n - 1) }
        let ticks = Swift.max(1, n / 10)
        for i in stride(from: 0, to: n, by: ticks) { f.text(x(i), bottom + 14, "\(i + 1)", size: 7, anchor: .middle) }
        for (k, s) in series.enumerated() {
            let pts = s.values.enumerated().map { (x($0.offset), bottom - (bottom - top) * $0.element / yMax) }
            for j in pts.indices.dropFirst() { f.line(pts[j - 1].0, pts[j - 1].1, pts[j].0, pts[j].1, s.color, width: 2) }
            if pts.count == 1 { f.rect(pts[0].0 - 2, pts[0].1 - 2, 4, 4, s.color) }
            f.rect(right - 150, top + 8 + Double(k) * 16, 12, 4, s.color)
            f.text(right - 132, top + 14 + Double(k) * 16, s.name, size: 7)
        }
        return f
    }

    /// Confusion matrix heat map, rows true class, columns predicted, cells shaded by row share.
    public static func confusion(_ matrix: [[Int]], classNames: [String], title: String) -> Figure {
        let c = matrix.count
        let cell = 56.0, left = 110.0, top = 60.0
        var f = Figure(width: Int(left + cell * Double(c) + 20), height: Int(top + cell * Double(c) + 90))
        f.text(Double(f.width) / 2, 24, title, size: 10, anchor: .middle)
        for (i, row) in matrix.enumerated() {
            let total = max(row.reduce(0, +), 1)
            f.text(left - 6, top + cell * Double(i) + cell / 2 + 4, classNames[i], size: 7, anchor: .end)
            for (j, v) in row.enumerated() {
                let share = Double(v) / Double(total)
                let shade = UInt8(255 - min(255, Int(share * 200)))
                f.rect(left + cell * Double(j), top + cell * Double(i), cell - 1, cell - 1, RGB(shade, shade, 255))
                f.text(left + cell * Double(j) + cell / 2, top + cell * Double(i) + cell / 2 + 4, "\(v)", size: 7,
                       color: share > 0.6 ? .white : .black, anchor: .middle)
            }
        }
        for (j, name) in classNames.enumerated() {
            f.text(left + cell * Double(j) + cell / 2, top + cell * Double(c) + 16, String(name.prefix(7)), size: 7,
                   anchor: .middle)
        }
        f.text(left + cell * Double(c) / 2, top + cell * Double(c) + 44, "predicted (rows: true class)", size: 8,
               anchor: .middle)
        return f
    }

    /// Bars of class counts, optionally before and after oversampling side by side.
    public static func classCounts(_ groups: [(name: String, counts: [Int], color: RGB)], classNames: [String],
                                   title: String) -> Figure {
        var f = Figure(width: 720, height: 400)
        let (left, right, top, bottom) = (70.0, 700.0, 50.0, 330.0)
        let yMax = Double(max(groups.flatMap(\.counts).max() ?? 1, 1)) * 1.1
        f.text(360, 24, title, size: 10, anchor: .middle)
        for i in 0...5 {
            let y = bottom - (bottom - top) * Double(i) / 5
            f.line(left, y, right, y, .gray)
            f.text(left - 6, y + 4, "\(Int(yMax * Double(i) / 5))", size: 7, anchor: .end)
        }
        let slot = (right - left) / Double(classNames.count)
        let barWidth = slot * 0.8 / Double(max(groups.count, 1))
        for (g, group) in groups.enumerated() {
            for (c, v) in group.counts.enumerated() {
                let h = (bottom - top) * Double(v) / yMax
                let x = left + slot * Double(c) + slot * 0.1 + barWidth * Double(g)
                f.rect(x, bottom - h, barWidth - 1, h, group.color)
            }
            f.rect(right - 170, top + Double(g) * 16, 12, 8, group.color)
            f.text(right - 152, top + 8 + Double(g) * 16, group.name, size: 7)
        }
        for (c, name) in classNames.enumerated() {
            f.text(left + slot * (Double(c) + 0.5), bottom + 16, String(name.prefix(9)), size: 7, anchor: .middle)
        }
        f.line(left, bottom, right, bottom, .black)
        return f
    }
}
