/// Pillow's `ImageEnhance.Contrast` and `ImageEnhance.Sharpness` for mode "L" images, bit-exact
/// (checked against Pillow 13 by the golden test in Tests/TrainTests/Golden/).
///
/// Both are `Image.blend(degenerate, image, factor)`; Pillow's C blend (`libImaging/Blend.c`)
/// casts the factor to float32 and computes, per pixel, in float32:
///     v = degenerate + factor * (image - degenerate)
/// For 0 <= factor <= 1 the result is truncated to UInt8; otherwise it is clipped (v <= 0 → 0,
/// v >= 255 → 255) and then truncated.
public enum ImageEnhance {
    /// `ImageEnhance.Contrast(image).enhance(factor)`: blends with a constant image whose value is
    /// the rounded mean, `int(mean + 0.5)` (`ImageStat.Stat(image).mean`), computed here exactly
    /// as `(2 * sum + n) / (2 * n)` in integers.
    public static func contrast(_ pixels: UnsafeBufferPointer<UInt8>, factor: Float, into out: UnsafeMutableBufferPointer<UInt8>) {
        precondition(!pixels.isEmpty && out.count == pixels.count, "contrast needs a non-empty image and an output of the same size")
        var sum = 0
        for p in pixels { sum += Int(p) }
        let mean = UInt8((2 * sum + pixels.count) / (2 * pixels.count))
        blend(constant: mean, pixels, alpha: factor, into: out)
    }

    /// `ImageEnhance.Sharpness(image).enhance(factor)`: blends with the `ImageFilter.SMOOTH`-filtered
    /// image (see `smooth`). Edge pixels are their own smoothed value, so they never change.
    /// `scratch` (same size as the image) holds the smoothed image.
    public static func sharpness(_ pixels: UnsafeBufferPointer<UInt8>, width: Int, height: Int, factor: Float,
                                 into out: UnsafeMutableBufferPointer<UInt8>, scratch: UnsafeMutableBufferPointer<UInt8>) {
        precondition(pixels.count == width * height && out.count == pixels.count && scratch.count == pixels.count, "buffers must hold width*height")
        smooth(pixels, width: width, height: height, into: scratch)
        blend(UnsafeBufferPointer(scratch), pixels, alpha: factor, into: out)
    }

    /// `image.filter(ImageFilter.SMOOTH)` (`libImaging/Filter.c`, `ImagingFilter3x3`): kernel
    /// 1 1 1 / 1 5 1 / 1 1 1, each weight divided by 13 in float32; per interior pixel
    /// `ss = 0.5 + row(y+1) + row(y) + row(y-1)`, each row term `a*k0 + b*k1 + c*k2` summed left to
    /// right in float32, then clipped to 0-255 and truncated. Border rows and columns are copied;
    /// an image smaller than 3x3 is copied whole.
    public static func smooth(_ pixels: UnsafeBufferPointer<UInt8>, width: Int, height: Int, into out: UnsafeMutableBufferPointer<UInt8>) {
        precondition(pixels.count == width * height && out.count == pixels.count, "buffers must hold width*height")
        _ = out.initialize(fromContentsOf: pixels)
        guard width >= 3 && height >= 3 else { return }
        let edge: Float = 1 / 13, center: Float = 5 / 13
        for y in 1..<height - 1 {
            let above = (y - 1) * width, row = y * width, below = (y + 1) * width
            for x in 1..<width - 1 {
                var ss: Float = 0.5
                ss += Float(pixels[below + x - 1]) * edge + Float(pixels[below + x]) * edge + Float(pixels[below + x + 1]) * edge
                ss += Float(pixels[row + x - 1]) * edge + Float(pixels[row + x]) * center + Float(pixels[row + x + 1]) * edge
                ss += Float(pixels[above + x - 1]) * edge + Float(pixels[above + x]) * edge + Float(pixels[above + x + 1]) * edge
                out[row + x] = clip8(ss)
            }
        }
    }

    /// `Image.blend(first, second, alpha)` for 8-bit images (formula in the type's comment).
    public static func blend(_ first: UnsafeBufferPointer<UInt8>, _ second: UnsafeBufferPointer<UInt8>, alpha: Float,
                             into out: UnsafeMutableBufferPointer<UInt8>) {
        precondition(first.count == second.count && out.count == first.count, "blend needs images of one size")
        precondition(alpha.isFinite, "blend factor must be finite")
        let interpolate = alpha >= 0 && alpha <= 1
        for i in 0..<out.count {
            let a = Float(Int(first[i])), b = Float(Int(second[i]) - Int(first[i]))
            let v = a + alpha * b
            out[i] = interpolate ? UInt8(min(max(v, 0), 255)) : clip8(v)
        }
    }

    /// Blend with a constant first image (Contrast's degenerate image).
    static func blend(constant: UInt8, _ second: UnsafeBufferPointer<UInt8>, alpha: Float, into out: UnsafeMutableBufferPointer<UInt8>) {
        precondition(out.count == second.count, "blend needs images of one size")
        precondition(alpha.isFinite, "blend factor must be finite")
        let interpolate = alpha >= 0 && alpha <= 1
        let a = Float(constant)
        for i in 0..<out.count {
            let v = a + alpha * Float(Int(second[i]) - Int(constant))
            out[i] = interpolate ? UInt8(min(max(v, 0), 255)) : clip8(v)
        }
    }

    /// Pillow's `clip8`: v <= 0 → 0, v >= 255 → 255, else truncation toward zero.
    @inline(__always) static func clip8(_ v: Float) -> UInt8 {
        v <= 0 ? 0 : v >= 255 ? 255 : UInt8(v)
    }
}
