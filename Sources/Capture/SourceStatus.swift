import Synchronization

/// The thread-safe part of a source: state, counters, stop flag and the state-change callback.
/// The capture thread writes; the daemon reads from any thread.
final class SourceStatus: Sendable {
    private let current = Mutex<(state: CaptureState, stats: CaptureStats)>((.starting, CaptureStats()))
    private let stopFlag = Atomic<Bool>(false)
    private let onChange: (@Sendable (CaptureState) -> Void)?

    init(onChange: (@Sendable (CaptureState) -> Void)?) { self.onChange = onChange }

    var state: CaptureState { current.withLock { $0.state } }
    var stats: CaptureStats { current.withLock { $0.stats } }
    var stopped: Bool { stopFlag.load(ordering: .acquiring) }

    func requestStop() { stopFlag.store(true, ordering: .releasing) }

    /// Sets the state; the callback runs (outside the lock) only when it actually changed.
    func set(_ state: CaptureState) {
        let changed = current.withLock { cur -> Bool in
            guard cur.state != state else { return false }
            cur.state = state
            return true
        }
        if changed { onChange?(state) }
    }

    func count(_ update: (inout CaptureStats) -> Void) {
        current.withLock { update(&$0.stats) }
    }

    /// Sleeps up to `nanos` in 20 ms slices, returning early once a stop is requested.
    func sleep(nanos: UInt64) {
        let end = Monotonic.nanos() + nanos
        while !stopped {
            let now = Monotonic.nanos()
            if now >= end { return }
            Sys.sleep(nanos: min(end - now, 20_000_000))
        }
    }
}
