/// An axis-aligned integer rectangle in pixel coordinates (x, y is the top-left corner).
public struct Rect: Sendable, Hashable, Codable, CustomStringConvertible {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    public var area: Int { max(0, width) * max(0, height) }

    /// The overlap of two rectangles; empty (zero size) when they do not touch.
    public func intersection(_ other: Rect) -> Rect {
        let x0 = max(x, other.x), y0 = max(y, other.y)
        let x1 = min(maxX, other.maxX), y1 = min(maxY, other.maxY)
        return Rect(x: x0, y: y0, width: max(0, x1 - x0), height: max(0, y1 - y0))
    }

    /// Intersection over union, 0 when either rectangle is empty.
    public func iou(_ other: Rect) -> Double {
        let inter = intersection(other).area
        let union = area + other.area - inter
        return union > 0 ? Double(inter) / Double(union) : 0
    }

    /// This rectangle clipped to a `width` x `height` image.
    public func clamped(toWidth w: Int, height h: Int) -> Rect {
        intersection(Rect(x: 0, y: 0, width: w, height: h))
    }

    public var description: String { "[\(x),\(y),\(width),\(height)]" }
}
