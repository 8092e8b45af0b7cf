import CInt8Kernels

/// A family of int8 kernels in the CInt8Kernels C target; which ones run is decided at run time.
public enum FastKernelKind: Int32, Sendable, CaseIterable, CustomStringConvertible {
    case scalar = 0
    case avx2 = 1
    case avx512VNNI = 2
    case neon = 3
    case neonDot = 4

    /// The fastest kind this CPU supports.
    public static var best: FastKernelKind { FastKernelKind(rawValue: Int32(i8k_best_kind().rawValue)) ?? .scalar }

    /// Every kind this CPU can run, scalar included.
    public static var available: [FastKernelKind] { allCases.filter(\.isAvailable) }

    public var isAvailable: Bool { i8k_available(cKind) != 0 }

    public var description: String { String(cString: i8k_kind_name(cKind)) }

    var cKind: i8k_kind { i8k_kind(rawValue: rawValue) }

    /// One core's multiply-accumulate peak in GMAC/s, measured by timing independent
    /// `vpdpbusd` (VNNI) or `vpmaddwd` (AVX2) chains; nil for kinds without a measurement.
    public func measuredPeakGMACs(seconds: Double = 0.2) -> Double? {
        let peak = i8k_measure_peak_gmacs(cKind, seconds)
        return peak > 0 ? peak : nil
    }
}

/// Worker threads shared by fast kernels; a kernel call splits its output pixels over them.
/// One pool serves one calling thread at a time.
public final class FastThreadPool: @unchecked Sendable {
    let raw: OpaquePointer
    /// The number of threads working on a call, the caller included.
    public let threads: Int

    /// `threads` counts the caller: 1 means no workers.
    public init(threads: Int) {
        precondition(threads >= 1 && threads <= 64, "thread count \(threads) outside 1...64")
        guard let pool = i8k_pool_create(Int32(threads)) else { fatalError("i8k_pool_create(\(threads)) failed") }
        raw = pool
        self.threads = Int(i8k_pool_threads(pool))
    }

    deinit { i8k_pool_destroy(raw) }
}
