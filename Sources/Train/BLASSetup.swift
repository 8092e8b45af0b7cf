import COpenBLAS
import Foundation

/// Choosing OpenBLAS's kernels. Debian 12's OpenBLAS 0.3.21 does not recognise some recent Intel
/// CPUs (this machine: family 6 model 207, AVX-512) and falls back to its SSE3 "Prescott" sgemm,
/// measured here at 6-11 GMAC/s against 17-48 for the SkylakeX kernels on the trainer's shapes.
/// OpenBLAS reads OPENBLAS_CORETYPE only while it loads, so the one way to pick the right kernels
/// is to restart the process with it set.
public enum BLASSetup {
    /// The kernel family OpenBLAS uses (`openblas_get_corename`).
    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// The OPENBLAS_CORETYPE this CPU should use when OpenBLAS fell back to Prescott, if any.
    public static func betterCoreType() -> String? {
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil,
              coreName.lowercased() == "prescott",
              let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flagsLine = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
        else { return nil }
        let flags = Set(flagsLine.split(separator: " ").map(String.init))
        if flags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"]) { return "SkylakeX" }
        if flags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        return nil
    }

    /// Re-executes the current program with OPENBLAS_CORETYPE set when `betterCoreType()` names
    /// one; returns normally when nothing needs doing or the exec fails. An OPENBLAS_CORETYPE
    /// already in the environment is always respected.
    public static func reexecWithFastKernelsIfNeeded() {
        guard let core = betterCoreType() else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        let args = CommandLine.arguments
        var cArgs = args.map { strdup($0) }
        cArgs.append(nil)
        execv("/proc/self/exe", &cArgs)
        // Only reached when exec failed: carry on with the slower kernels.
        for p in cArgs { free(p) }
    }
}
