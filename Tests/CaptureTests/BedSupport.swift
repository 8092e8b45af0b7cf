import Capture
import Foundation
import Glibc

/// Facts about the real V4L2 drivers of the qemu bed (`scripts/test_v4l2.sh`); on a machine
/// without them the bed suites are disabled.
enum Bed {
    static let vivid = "/dev/video0"
    static let loopback = "/dev/video10"

    /// The `name` attribute the kernel shows for a video node (e.g. "vivid-000-vid-cap").
    static func sysfsName(_ path: String) -> String? {
        let node = (path as NSString).lastPathComponent
        return (try? String(contentsOfFile: "/sys/class/video4linux/\(node)/name", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static var hasVivid: Bool { sysfsName(vivid)?.hasPrefix("vivid") == true }
    static var hasLoopback: Bool { sysfsName(loopback) != nil }

    /// Writes `vivid.0` to the platform driver's `unbind`/`bind`: a real unplug/replug.
    static func platform(_ action: String) throws {
        let path = "/sys/bus/platform/drivers/vivid/\(action)"
        guard let f = fopen(path, "w") else { throw CaptureError.unreadable(path: path, Errno(errno)) }
        defer { fclose(f) }
        guard fputs("vivid.0", f) >= 0, fflush(f) == 0 else { throw CaptureError.unreadable(path: path, Errno(errno)) }
    }

    /// The loopback MJPEG producer (C, `scripts/lb_producer.c`), shipped into the bed's /bin.
    static var producerPath: String? {
        ["/bin/lb_producer", "/usr/local/bin/lb_producer"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

/// Collapses repeated entries, so a state log reads as its transitions.
func transitions(_ names: [String]) -> [String] {
    names.reduce(into: []) { if $0.last != $1 { $0.append($1) } }
}

/// A child process started with posix_spawn and ended by its pid. (Foundation's Process needs a
/// socketpair-backed run loop that the bed's minimal guest could not create, and then hung.)
final class ChildProcess {
    let pid: pid_t

    init(_ path: String, _ args: [String]) throws {
        var pid: pid_t = 0
        let argv = ([path] + args).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let rc = posix_spawn(&pid, path, nil, nil, argv, environ)
        guard rc == 0 else { throw CaptureError.unreadable(path: path, Errno(rc)) }
        self.pid = pid
    }

    /// SIGKILL (the child inherits the test thread's signal mask, which may block SIGTERM), then reap it.
    func kill() {
        _ = Glibc.kill(pid, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
    }
}
