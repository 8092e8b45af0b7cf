import Foundation
// SwiftPM gives an executable its own main(), so libFuzzer's is never linked: start libFuzzer's
// driver ourselves. LLVMFuzzerRunDriver is libFuzzer's documented entry for that case.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

nonisolated(unsafe) private var fuzzBody: ([UInt8]) -> Void = { _ in }

/// Runs libFuzzer with the process arguments, feeding each input to `body`.
public func runFuzzer(_ body: @escaping ([UInt8]) -> Void) {
    fuzzBody = body
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    let rc = LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        fuzzBody(data.map { [UInt8](UnsafeBufferPointer(start: $0, count: size)) } ?? [])
        return 0
    }
    exit(rc)
}

/// libFuzzer's per-input callback, also named so that its archive links whichever main it picks.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzzBody(data.map { [UInt8](UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}
