import Imaging

/// Integer-factor downscaling by block averaging, into an image the caller keeps between frames.
enum Downscale {
    /// `out` becomes `image` shrunk by `factor` (each output pixel is the rounded mean of a
    /// factor x factor block; a partial block at the right or bottom edge is dropped). `out` is
    /// reallocated only when the size changes, so a stream of same-size frames allocates nothing.
    static func box(_ image: GrayImage, factor: Int, into out: inout GrayImage) {
        precondition(factor >= 1, "downscale factor must be >= 1")
        let w = image.width / factor, h = image.height / factor
        if out.width != w || out.height != h { out = GrayImage(width: w, height: h) }
        guard w > 0 && h > 0 else { return }
        let area = UInt32(factor * factor), half = area / 2
        let srcStride = image.width
        image.pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                for y in 0..<h {
                    let top = y * factor * srcStride
                    for x in 0..<w {
                        var sum: UInt32 = 0
                        var row = top + x * factor
                        for _ in 0..<factor {
                            for k in 0..<factor { sum &+= UInt32(src[row + k]) }
                            row += srcStride
                        }
                        dst[y * w + x] = UInt8(truncatingIfNeeded: (sum + half) / area)
                    }
                }
            }
        }
    }
}
