import CSystemd
import FoundationEssentials
import Glibc

/// The sd_notify(3) protocol: READY/RELOADING/STOPPING/STATUS and the watchdog keep-alive.
/// Without NOTIFY_SOCKET every call is a no-op, so the daemon runs the same outside systemd.
public final class Notifier: @unchecked Sendable {   // used from the frame loop thread only
    /// Half the watchdog period (sd_watchdog_enabled(3) recommends pinging at half WATCHDOG_USEC).
    public let watchdogInterval: Double?
    private var lastPing = -Double.infinity

    public init() {
        var usec: UInt64 = 0
        // 0: keep WATCHDOG_USEC in the environment (children such as tests may read it too)
        watchdogInterval = sd_watchdog_enabled(0, &usec) > 0 ? Double(usec) / 2_000_000 : nil
    }

    public func send(_ state: String) {
        _ = sd_notify(0, state)
    }

    public func ready(status: String) { send("READY=1\nSTATUS=\(status)") }
    public func status(_ s: String) { send("STATUS=\(s)") }
    public func stopping() { send("STOPPING=1\nSTATUS=stopping") }

    /// RELOADING=1 with the CLOCK_MONOTONIC time systemd ≥ 253 asks for (ignored by older ones).
    public func reloading() {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        let usec = UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1000
        send("RELOADING=1\nMONOTONIC_USEC=\(usec)\nSTATUS=reloading configuration")
    }

    /// Called from every frame-loop iteration; pings at most once per half period, so a hung loop trips the watchdog.
    public func watchdog(now: Double) {
        guard let interval = watchdogInterval, now - lastPing >= interval else { return }
        lastPing = now
        send("WATCHDOG=1")
    }
}
