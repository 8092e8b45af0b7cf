import CJPEGCodec

/// A JPEG that libjpeg could not decode or encode; `message` is libjpeg's own text.
public struct JPEGError: Error, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable { case corrupt, truncatedOrWarning, bufferTooSmall, invalidArgument }
    public var kind: Kind
    public var message: String
    public var description: String { "JPEG \(kind): \(message)" }

    init(code: Int32, message: String) {
        switch code {
        case Int32(JPEGC_ERR_WARNING): kind = .truncatedOrWarning
        case Int32(JPEGC_ERR_BUFFER): kind = .bufferTooSmall
        case Int32(JPEGC_ERR_ARGUMENT): kind = .invalidArgument
        default: kind = .corrupt
        }
        self.message = message
    }
}

/// JPEG decoding and encoding through libjpeg(-turbo). Corrupt data and libjpeg warnings throw.
public enum JPEG {
    /// How colour JPEGs become gray.
    public enum GrayConversion: Sendable {
        /// The Y plane as libjpeg decodes it: fastest; what camera MJPEG uses.
        case luma
        /// RGB, then OpenCV's `BGR2GRAY` integer formula: bit-exact with `cv2.imread` + `cvtColor`.
        case opencv
    }

    /// Width and height after DCT scaling by 1/`scaleDenominator` (1, 2, 4 or 8).
    public static func size(of data: [UInt8], scaleDenominator: Int = 1) throws(JPEGError) -> (width: Int, height: Int) {
        var w: Int32 = 0, h: Int32 = 0, c: Int32 = 0
        var msg = [CChar](repeating: 0, count: Int(JPEGC_MSG_LEN))
        let rc = data.withUnsafeBufferPointer { jpegc_header($0.baseAddress, $0.count, Int32(scaleDenominator), &w, &h, &c, &msg) }
        guard rc == 0 else { throw JPEGError(code: rc, message: cMessage(msg)) }
        return (Int(w), Int(h))
    }

    /// Decodes to a gray image, optionally DCT-downscaled by 1/`scaleDenominator`.
    public static func decodeGray(_ data: [UInt8], scaleDenominator: Int = 1, conversion: GrayConversion = .luma) throws(JPEGError) -> GrayImage {
        let (w, h) = try size(of: data, scaleDenominator: scaleDenominator)
        var image = GrayImage(width: w, height: h)
        try decodeGray(data, into: &image, scaleDenominator: scaleDenominator, conversion: conversion)
        return image
    }

    /// Decodes into an existing image (resized if needed), so a capture loop can reuse one buffer.
    public static func decodeGray(_ data: [UInt8], into image: inout GrayImage, scaleDenominator: Int = 1, conversion: GrayConversion = .luma) throws(JPEGError) {
        try data.withUnsafeBufferPointer { (buf) throws(JPEGError) in
            try decodeGray(UnsafeRawBufferPointer(buf), into: &image, scaleDenominator: scaleDenominator, conversion: conversion)
        }
    }

    /// Decodes bytes that live elsewhere (e.g. an mmap'ed V4L2 buffer) without copying them first.
    public static func decodeGray(_ data: UnsafeRawBufferPointer, into image: inout GrayImage, scaleDenominator: Int = 1, conversion: GrayConversion = .luma) throws(JPEGError) {
        // The message buffer lives on the stack: a capture loop decodes every frame through here.
        let failure: JPEGError? = withUnsafeTemporaryAllocation(of: CChar.self, capacity: Int(JPEGC_MSG_LEN)) { msg in
            msg[0] = 0
            var w: Int32 = 0, h: Int32 = 0, c: Int32 = 0
            let bytes = data.bindMemory(to: UInt8.self)
            var rc = jpegc_header(bytes.baseAddress, bytes.count, Int32(scaleDenominator), &w, &h, &c, msg.baseAddress)
            guard rc == 0 else { return JPEGError(code: rc, message: cMessage(Array(msg))) }
            if image.width != Int(w) || image.height != Int(h) { image = GrayImage(width: Int(w), height: Int(h)) }
            let mode = conversion == .luma ? JPEGC_GRAY_LUMA : JPEGC_GRAY_OPENCV_BGR
            rc = image.pixels.withUnsafeMutableBufferPointer { out in
                jpegc_decode_gray(bytes.baseAddress, bytes.count, Int32(scaleDenominator), mode, out.baseAddress, out.count, &w, &h, msg.baseAddress)
            }
            return rc == 0 ? nil : JPEGError(code: rc, message: cMessage(Array(msg)))
        }
        if let failure { throw failure }
    }

    /// Decodes to packed RGB bytes.
    public static func decodeRGB(_ data: [UInt8]) throws(JPEGError) -> (width: Int, height: Int, rgb: [UInt8]) {
        let (w, h) = try size(of: data)
        var rgb = [UInt8](repeating: 0, count: w * h * 3)
        var ow: Int32 = 0, oh: Int32 = 0
        var msg = [CChar](repeating: 0, count: Int(JPEGC_MSG_LEN))
        let rc = data.withUnsafeBufferPointer { src in
            rgb.withUnsafeMutableBufferPointer { jpegc_decode_rgb(src.baseAddress, src.count, $0.baseAddress, $0.count, &ow, &oh, &msg) }
        }
        guard rc == 0 else { throw JPEGError(code: rc, message: cMessage(msg)) }
        return (w, h, rgb)
    }

    /// Encodes a gray image.
    public static func encode(_ image: GrayImage, quality: Int = 90) throws(JPEGError) -> [UInt8] {
        try encode(pixels: image.pixels, width: image.width, height: image.height, components: 1, quality: quality)
    }

    /// Encodes packed RGB bytes.
    public static func encodeRGB(_ rgb: [UInt8], width: Int, height: Int, quality: Int = 90) throws(JPEGError) -> [UInt8] {
        try encode(pixels: rgb, width: width, height: height, components: 3, quality: quality)
    }

    static func encode(pixels: [UInt8], width: Int, height: Int, components: Int, quality: Int) throws(JPEGError) -> [UInt8] {
        guard pixels.count == width * height * components else {
            throw JPEGError(code: Int32(JPEGC_ERR_ARGUMENT), message: "pixel count \(pixels.count) != \(width)x\(height)x\(components)")
        }
        var out: UnsafeMutablePointer<UInt8>? = nil
        var size = 0
        var msg = [CChar](repeating: 0, count: Int(JPEGC_MSG_LEN))
        let rc = pixels.withUnsafeBufferPointer {
            jpegc_encode($0.baseAddress, Int32(width), Int32(height), Int32(components), Int32(quality), &out, &size, &msg)
        }
        guard rc == 0, let out else { throw JPEGError(code: rc, message: cMessage(msg)) }
        defer { jpegc_free(out) }
        return [UInt8](UnsafeBufferPointer(start: out, count: size))
    }
}

/// libjpeg's message buffer as a Swift string (it is NUL-terminated within the array).
func cMessage(_ buffer: [CChar]) -> String {
    let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
}
