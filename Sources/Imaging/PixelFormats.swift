/// Conversions from camera pixel layouts to the gray images the detector reads.
public enum PixelFormats {
    /// YUYV 4:2:2 (Y0 U Y1 V): luma is every other byte, so gray needs no colour math.
    /// `stride` is the V4L2 bytesperline (>= width*2).
    public static func yuyvToGray(_ src: UnsafeRawBufferPointer, width: Int, height: Int, stride: Int, into image: inout GrayImage) {
        precondition(stride >= width * 2 && src.count >= stride * (height - 1) + width * 2, "YUYV buffer too small")
        if image.width != width || image.height != height { image = GrayImage(width: width, height: height) }
        let s = src.bindMemory(to: UInt8.self)
        image.pixels.withUnsafeMutableBufferPointer { dst in
            for y in 0..<height {
                let row = y * stride, out = y * width
                for x in 0..<width { dst[out + x] = s[row + 2 * x] }
            }
        }
    }

    /// GREY (Y8): copies rows, dropping any stride padding.
    public static func greyToGray(_ src: UnsafeRawBufferPointer, width: Int, height: Int, stride: Int, into image: inout GrayImage) {
        precondition(stride >= width && src.count >= stride * (height - 1) + width, "GREY buffer too small")
        if image.width != width || image.height != height { image = GrayImage(width: width, height: height) }
        let s = src.bindMemory(to: UInt8.self)
        image.pixels.withUnsafeMutableBufferPointer { dst in
            for y in 0..<height {
                for x in 0..<width { dst[y * width + x] = s[y * stride + x] }
            }
        }
    }
}
