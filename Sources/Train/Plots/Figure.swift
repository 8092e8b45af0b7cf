import Foundation

/// An RGB colour.
public struct RGB: Sendable, Equatable {
    public var r, g, b: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }
    var hex: String { String(format: "#%02x%02x%02x", r, g, b) }
    public static let black = RGB(0, 0, 0), white = RGB(255, 255, 255), gray = RGB(200, 200, 200)
    public static let blue = RGB(31, 119, 180), orange = RGB(255, 127, 14), green = RGB(44, 160, 44), red = RGB(214, 39, 40)
}

/// A drawing as a list of primitives that renders both to SVG and to a PNG raster (text in the
/// raster uses a built-in 5x7 font, upper-case).
public struct Figure: Sendable {
    public enum Anchor: Sendable { case start, middle, end }
    public enum Element: Sendable {
        case rect(x: Double, y: Double, width: Double, height: Double, fill: RGB)
        case line(x1: Double, y1: Double, x2: Double, y2: Double, color: RGB, width: Double)
        case text(x: Double, y: Double, string: String, size: Double, color: RGB, anchor: Anchor)
    }

    public var width: Int
    public var height: Int
    public var elements: [Element] = []

    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
        elements.append(.rect(x: 0, y: 0, width: Double(width), height: Double(height), fill: .white))
    }

    public mutating func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, _ fill: RGB) {
        elements.append(.rect(x: x, y: y, width: w, height: h, fill: fill))
    }
    public mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, _ color: RGB, width: Double = 1) {
        elements.append(.line(x1: x1, y1: y1, x2: x2, y2: y2, color: color, width: width))
    }
    /// Text with its baseline at y; size is the cap height in pixels.
    public mutating func text(_ x: Double, _ y: Double, _ s: String, size: Double = 12, color: RGB = .black,
                              anchor: Anchor = .start) {
        elements.append(.text(x: x, y: y, string: s, size: size, color: color, anchor: anchor))
    }

    public func svg() -> String {
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\">\n"
        for e in elements {
            switch e {
            case .rect(let x, let y, let w, let h, let fill):
                out += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%@\"/>\n", x, y, w, h, fill.hex)
            case .line(let x1, let y1, let x2, let y2, let c, let w):
                out += String(format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%@\" stroke-width=\"%.1f\"/>\n",
                              x1, y1, x2, y2, c.hex, w)
            case .text(let x, let y, let s, let size, let c, let anchor):
                let a = anchor == .start ? "start" : anchor == .middle ? "middle" : "end"
                let escaped = s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                    .replacingOccurrences(of: ">", with: "&gt;")
                out += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-family=\"sans-serif\" font-size=\"%.1f\" fill=\"%@\" text-anchor=\"%@\">",
                              x, y, size * 1.4, c.hex, a) + escaped + "</text>\n"
            }
        }
        return out + "</svg>\n"
    }

    /// The figure as RGB8 pixels (height rows of width*3 bytes).
    public func rasterize() -> [UInt8] {
        var px = [UInt8](repeating: 255, count: width * height * 3)
        func plot(_ x: Int, _ y: Int, _ c: RGB) {
            guard x >= 0, y >= 0, x < width, y < height else { return }
            let i = (y * width + x) * 3
            px[i] = c.r
            px[i + 1] = c.g
            px[i + 2] = c.b
        }
        for e in elements {
            switch e {
            case .rect(let x, let y, let w, let h, let fill):
                let x0 = max(0, Int(x.rounded())), y0 = max(0, Int(y.rounded()))
                let x1 = min(width, Int((x + w).rounded())), y1 = min(height, Int((y + h).rounded()))
                if x0 < x1 && y0 < y1 { for yy in y0..<y1 { for xx in x0..<x1 { plot(xx, yy, fill) } } }
            case .line(let x1, let y1, let x2, let y2, let c, let w):
                let steps = max(1, Int(max(abs(x2 - x1), abs(y2 - y1)).rounded(.up)))
                let r = max(0, Int((w - 1) / 2))
                for s in 0...steps {
                    let t = Double(s) / Double(steps)
                    let x = Int((x1 + (x2 - x1) * t).rounded()), y = Int((y1 + (y2 - y1) * t).rounded())
                    for dy in -r...r { for dx in -r...r { plot(x + dx, y + dy, c) } }
                }
            case .text(let x, let y, let s, let size, let c, let anchor):
                let scale = max(1, Int((size / 7).rounded()))
                let glyphs = Array(s.uppercased())
                let advance = 6 * scale
                let total = glyphs.count * advance - scale
                var ox = Int(x.rounded()) - (anchor == .start ? 0 : anchor == .middle ? total / 2 : total)
                let top = Int(y.rounded()) - 7 * scale
                for ch in glyphs {
                    let cols = Font5x7.columns(ch)
                    for (cx, bits) in cols.enumerated() {
                        for row in 0..<7 where bits & (1 << row) != 0 {
                            for sy in 0..<scale { for sx in 0..<scale { plot(ox + cx * scale + sx, top + row * scale + sy, c) } }
                        }
                    }
                    ox += advance
                }
            }
        }
        return px
    }

    public func png() -> [UInt8] { PNGWriter.encode(width: width, height: height, rgb: rasterize()) }

    /// Writes `base`.svg and `base`.png.
    public func write(to base: URL) throws {
        try Data(svg().utf8).write(to: base.appendingPathExtension("svg"))
        try Data(png()).write(to: base.appendingPathExtension("png"))
    }
}

/// The classic 5x7 LCD font: five column bytes per glyph, bit 0 at the top.
enum Font5x7 {
    static let glyphs: [Character: [UInt8]] = [
        "0": [0x3E, 0x51, 0x49, 0x45, 0x3E], "1": [0x00, 0x42, 0x7F, 0x40, 0x00], "2": [0x42, 0x61, 0x51, 0x49, 0x46],
        "3": [0x21, 0x41, 0x45, 0x4B, 0x31], "4": [0x18, 0x14, 0x12, 0x7F, 0x10], "5": [0x27, 0x45, 0x45, 0x45, 0x39],
        "6": [0x3C, 0x4A, 0x49, 0x49, 0x30], "7": [0x01, 0x71, 0x09, 0x05, 0x03], "8": [0x36, 0x49, 0x49, 0x49, 0x36],
        "9": [0x06, 0x49, 0x49, 0x29, 0x1E], "A": [0x7E, 0x11, 0x11, 0x11, 0x7E], "B": [0x7F, 0x49, 0x49, 0x49, 0x36],
        "C": [0x3E, 0x41, 0x41, 0x41, 0x22], "D": [0x7F, 0x41, 0x41, 0x22, 0x1C], "E": [0x7F, 0x49, 0x49, 0x49, 0x41],
        "F": [0x7F, 0x09, 0x09, 0x09, 0x01], "G": [0x3E, 0x41, 0x49, 0x49, 0x7A], "H": [0x7F, 0x08, 0x08, 0x08, 0x7F],
        "I": [0x00, 0x41, 0x7F, 0x41, 0x00], "J": [0x20, 0x40, 0x41, 0x3F, 0x01], "K": [0x7F, 0x08, 0x14, 0x22, 0x41],
        "L": [0x7F, 0x40, 0x40, 0x40, 0x40], "M": [0x7F, 0x02, 0x0C, 0x02, 0x7F], "N": [0x7F, 0x04, 0x08, 0x10, 0x7F],
        "O": [0x3E, 0x41, 0x41, 0x41, 0x3E], "P": [0x7F, 0x09, 0x09, 0x09, 0x06], "Q": [0x3E, 0x41, 0x51, 0x21, 0x5E],
        "R": [0x7F, 0x09, 0x19, 0x29, 0x46], "S": [0x46, 0x49, 0x49, 0x49, 0x31], "T": [0x01, 0x01, 0x7F, 0x01, 0x01],
        "U": [0x3F, 0x40, 0x40, 0x40, 0x3F], "V": [0x1F, 0x20, 0x40, 0x20, 0x1F], "W": [0x3F, 0x40, 0x38, 0x40, 0x3F],
        "X": [0x63, 0x14, 0x08, 0x14, 0x63], "Y": [0x07, 0x08, 0x70, 0x08, 0x07], "Z": [0x61, 0x51, 0x49, 0x45, 0x43],
        " ": [0, 0, 0, 0, 0], ".": [0x00, 0x60, 0x60, 0x00, 0x00], "-": [0x08, 0x08, 0x08, 0x08, 0x08],
        ":": [0x00, 0x36, 0x36, 0x00, 0x00], "%": [0x23, 0x13, 0x08, 0x64, 0x62], "/": [0x20, 0x10, 0x08, 0x04, 0x02],
        "(": [0x00, 0x1C, 0x22, 0x41, 0x00], ")": [0x00, 0x41, 0x22, 0x1C, 0x00], "_": [0x40, 0x40, 0x40, 0x40, 0x40],
        ",": [0x00, 0x50, 0x30, 0x00, 0x00], "=": [0x14, 0x14, 0x14, 0x14, 0x14], "+": [0x08, 0x08, 0x3E, 0x08, 0x08],
    ]
    /// Unknown characters draw as a small box.
    static func columns(_ c: Character) -> [UInt8] { glyphs[c] ?? [0x7F, 0x41, 0x41, 0x41, 0x7F] }
}
