import Foundation
import Glibc

/// A real mosquitto broker on 127.0.0.1 and a free port, in its own temp directory, stopped by PID.
/// It can be stopped and started again on the same port (with persistence when asked).
public final class TestBroker: @unchecked Sendable {
    public let port: Int
    public let directory: URL
    private var process: Process?
    private let config: URL

    public init(extraConfig: String = "", listenerConfig: String = "allow_anonymous true", persistence: Bool = false) throws {
        port = try TestBroker.freePort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("edgefer-daemon-broker-\(getpid())-\(port)")
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // mosquitto started as root drops to user `mosquitto`, which must be able to write its persistence file
        chmod(directory.path, 0o777)
        config = directory.appendingPathComponent("mosquitto.conf")
        let persist = persistence ? "persistence true\npersistence_location \(directory.path)/\n" : "persistence false\n"
        try "per_listener_settings true\n\(persist)\(extraConfig)\nlistener \(port) 127.0.0.1\n\(listenerConfig)\n"
            .write(to: config, atomically: true, encoding: .utf8)
        try start()
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    public func start() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: TestBroker.mosquittoPath())
        p.arguments = ["-c", config.path]
        p.standardOutput = FileHandle.nullDevice
        let log = directory.appendingPathComponent("broker.log")
        if !FileManager.default.fileExists(atPath: log.path) { _ = FileManager.default.createFile(atPath: log.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        p.standardError = handle
        try runWithSignalsUnblocked(p)
        process = p
        try waitUntilListening()
    }

    /// SIGHUP: mosquitto re-reads its password file.
    public func reload() {
        if let p = process { kill(p.processIdentifier, SIGHUP) }
    }

    /// SIGTERM (mosquitto saves its persistence file) and wait.
    public func stop() {
        guard let p = process else { return }
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        process = nil
    }

    public var log: String { (try? String(contentsOf: directory.appendingPathComponent("broker.log"), encoding: .utf8)) ?? "" }

    public static func mosquittoPath() -> String {
        for p in ["/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto"] where FileManager.default.isExecutableFile(atPath: p) {
            return p
        }
        return "/usr/sbin/mosquitto"
    }

    /// Binds port 0 and reads back what the kernel chose.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    private func waitUntilListening() throws {
        for _ in 0..<200 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            addr.sin_port = in_port_t(UInt16(port).bigEndian)
            let rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            close(fd)
            if rc == 0 { return }
            usleep(25_000)
        }
        throw POSIXError(.ECONNREFUSED)
    }
}

/// Polls `condition` every 10 ms for up to `timeout` seconds.
@discardableResult
public func waitFor(_ timeout: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}

/// A scratch directory under /tmp, removed by the caller.
public func makeTempDir(_ name: String) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("edgefer-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

/// Starts `p` with SIGTERM/SIGINT/SIGHUP unblocked in the spawning thread: children inherit the
/// signal mask, and the test runner's worker threads block these, so mosquitto would ignore SIGTERM.
public func runWithSignalsUnblocked(_ p: Process) throws {
    var set = sigset_t()
    sigemptyset(&set)
    for s in [SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2] { sigaddset(&set, s) }
    var old = sigset_t()
    pthread_sigmask(SIG_UNBLOCK, &set, &old)
    defer { pthread_sigmask(SIG_SETMASK, &old, nil) }
    try p.run()
}
