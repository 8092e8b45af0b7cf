import Imaging

/// libFuzzer entry: any bytes must decode or throw, never crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJPEG(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = [UInt8](UnsafeBufferPointer(start: data, count: size))
    _ = try? JPEG.decodeGray(bytes, scaleDenominator: 2)
    return 0
}
