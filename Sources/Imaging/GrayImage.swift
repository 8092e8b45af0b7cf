/// An 8-bit grayscale image, rows packed (stride == width), row-major.
public struct GrayImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var pixels: [UInt8]

    /// A black image of the given size.
    public init(width: Int, height: Int) {
        precondition(width >= 0 && height >= 0, "image size must be non-negative")
        self.width = width
        self.height = height
        self.pixels = [UInt8](repeating: 0, count: width * height)
    }

    /// Wraps existing pixels; `pixels.count` must be `width * height`.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0 && pixels.count == width * height, "pixel count must be width*height")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    @inlinable public subscript(x: Int, y: Int) -> UInt8 {
        get { pixels[y * width + x] }
        set { pixels[y * width + x] = newValue }
    }

    /// The sub-image inside `rect`, which must lie within the image.
    public func cropped(to rect: Rect) -> GrayImage {
        precondition(rect.x >= 0 && rect.y >= 0 && rect.maxX <= width && rect.maxY <= height, "crop outside image")
        var out = GrayImage(width: rect.width, height: rect.height)
        for y in 0..<rect.height {
            let src = (rect.y + y) * width + rect.x
            out.pixels.replaceSubrange(y * rect.width..<(y + 1) * rect.width, with: pixels[src..<src + rect.width])
        }
        return out
    }
}
