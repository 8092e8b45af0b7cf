import Dispatch
import Glibc
import Synchronization

/// SIGTERM/SIGINT (stop) and SIGHUP (reload) as flags the frame loop polls. The signals are ignored
/// at process level and observed through libdispatch signal sources, so whichever thread the kernel
/// picks, nothing is killed by the default action.
public final class SignalFlags: @unchecked Sendable {   // `sources` is only kept alive; the flags are atomics
    final class Flags: Sendable {
        let stop = Atomic<Bool>(false)
        let reload = Atomic<Bool>(false)
        let last = Atomic<Int32>(0)
    }
    private let flags = Flags()
    private var sources: [any DispatchSourceSignal] = []
    private let queue = DispatchQueue(label: "ferd.signals")

    public init() {
        let flags = self.flags
        for sig in [SIGTERM, SIGINT, SIGHUP] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler {
                flags.last.store(sig, ordering: .relaxed)
                if sig == SIGHUP { flags.reload.store(true, ordering: .relaxed) } else { flags.stop.store(true, ordering: .relaxed) }
            }
            source.resume()
            sources.append(source)
        }
    }

    public var stopRequested: Bool { flags.stop.load(ordering: .relaxed) }
    public var signalName: String { flags.last.load(ordering: .relaxed) == SIGINT ? "SIGINT" : "SIGTERM" }
    public func requestStop() { flags.stop.store(true, ordering: .relaxed) }

    /// True once per SIGHUP received.
    public func takeReload() -> Bool { flags.reload.exchange(false, ordering: .relaxed) }
}
