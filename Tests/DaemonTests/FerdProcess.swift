import TestSupport
import Foundation
import Glibc

/// A real `ferd` process (built next to the test bundle) with its stderr captured to a file.
final class FerdProcess: @unchecked Sendable {
    let process = Process()
    let logURL: URL

    static var binary: URL {
        // the test bundle and the products share the build directory
        let exe = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        return exe.deletingLastPathComponent().appendingPathComponent("ferd")
    }

    /// `journal`: JOURNAL_STREAM names the log file, as systemd does for a stderr connected to journald.
    init(arguments: [String], environment: [String: String] = [:], journal: Bool = false, directory: URL) throws {
        logURL = directory.appendingPathComponent("ferd-\(UInt32.random(in: 0...UInt32.max)).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        var extra = environment
        if journal {
            var st = stat()
            stat(logURL.path, &st)
            extra["JOURNAL_STREAM"] = "\(st.st_dev):\(st.st_ino)"
        }
        process.executableURL = Self.binary
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for k in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM", "CREDENTIALS_DIRECTORY"] { env[k] = nil }
        env["FERD_HOSTNAME"] = "testhost"
        env.merge(extra) { $1 }
        process.environment = env
        process.standardOutput = try FileHandle(forWritingTo: logURL)
        process.standardError = try FileHandle(forWritingTo: logURL)
        try runWithSignalsUnblocked(process)
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
    }

    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    func signal(_ sig: Int32) { kill(process.processIdentifier, sig) }

    /// Waits for exit up to `timeout` s; returns the status, or nil if still running.
    func wait(_ timeout: Double) -> Int32? {
        guard waitFor(timeout, { !process.isRunning }) else { return nil }
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// A datagram socket bound at a temp path, standing in for systemd's NOTIFY_SOCKET.
final class NotifySocket: @unchecked Sendable {
    let path: String
    private let fd: Int32

    init(directory: URL) throws {
        path = directory.appendingPathComponent("notify.sock").path
        unlink(path)
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { throw POSIXError(.ENAMETOOLONG) }
        withUnsafeMutableBytes(of: &addr.sun_path) { dst in for (i, b) in bytes.enumerated() { dst[i] = b } }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard fd >= 0, rc == 0 else { throw POSIXError(.EADDRINUSE) }
    }

    deinit { close(fd); unlink(path) }

    private var received: [String] = []

    /// Every datagram received so far.
    func messages() -> [String] {
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buf, buf.count, Int32(MSG_DONTWAIT))
            if n <= 0 { break }
            received.append(String(decoding: buf[0..<n], as: UTF8.self))
        }
        return received
    }
}
