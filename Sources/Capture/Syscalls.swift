import CV4L2
import Glibc

/// The one Swift call site of every system and libv4l2 call capture makes, so that EINTR
/// handling (and EAGAIN where it means "try again", not "no buffer ready") has a single home.
/// Pattern from apple/swift-system's `Internals/Syscalls.swift` and ustreamer's `us_xioctl`.
enum Sys {
    /// `v4l2_open` (libv4l2): the device node, or the libc `open` for plain files.
    static func open(_ path: String, _ flags: Int32) -> Result<Int32, Errno> {
        retrying { cv4l2_open(path, flags) }
    }

    /// `v4l2_close`. EINTR is not retried: on Linux the descriptor is gone either way.
    static func close(_ fd: Int32) {
        _ = cv4l2_close(fd)
    }

    /// `v4l2_ioctl`. EAGAIN is retried a few times when `retryAgain` (setup calls); DQBUF passes
    /// `false` because on a non-blocking fd EAGAIN means "no buffer ready".
    static func ioctl<T>(_ fd: Int32, _ request: UInt, _ arg: inout T, retryAgain: Bool = true) -> Result<Void, Errno> {
        var againLeft = retryAgain ? 4 : 0
        while true {
            let r = withUnsafeMutablePointer(to: &arg) { cv4l2_ioctl(fd, request, UnsafeMutableRawPointer($0)) }
            if r != -1 { return .success(()) }
            let e = Errno.current
            if e == .interrupted { continue }
            if e == .wouldBlock && againLeft > 0 { againLeft -= 1; continue }
            return .failure(e)
        }
    }

    /// `v4l2_mmap` of one streaming buffer, shared and read-write as V4L2 requires.
    static func mmap(_ fd: Int32, length: Int, offset: Int64) -> Result<UnsafeMutableRawPointer, Errno> {
        guard let p = cv4l2_mmap(nil, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset),
              p != MAP_FAILED else { return .failure(.current) }
        return .success(p)
    }

    /// `v4l2_munmap`.
    static func munmap(_ p: UnsafeMutableRawPointer, length: Int) {
        _ = cv4l2_munmap(p, length)
    }

    /// `poll` on one descriptor; returns `revents`, 0 on timeout. EINTR restarts with the time left.
    static func poll(_ fd: Int32, events: Int16, timeoutMs: Int32) -> Result<Int16, Errno> {
        let deadline = Monotonic.nanos() + UInt64(max(0, timeoutMs)) * 1_000_000
        var wait = timeoutMs
        while true {
            var p = pollfd(fd: fd, events: events, revents: 0)
            let r = Glibc.poll(&p, 1, wait)
            if r >= 0 { return .success(r == 0 ? 0 : p.revents) }
            let e = Errno.current
            guard e == .interrupted else { return .failure(e) }
            let now = Monotonic.nanos()
            wait = now >= deadline ? 0 : Int32((deadline - now) / 1_000_000)
        }
    }

    /// `read` of a whole regular file (development sources).
    static func readFile(_ path: String) -> Result<[UInt8], Errno> {
        let fd = retrying { Glibc.open(path, O_RDONLY | O_CLOEXEC) }
        guard case .success(let fd) = fd else { return fd.map { _ in [] } }
        defer { _ = Glibc.close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n == 0 { return .success(out) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(.current)
            }
            out.append(contentsOf: chunk[0..<n])
        }
    }

    /// The entry names of a directory (`opendir`/`readdir`), without `.` and `..`.
    static func listDirectory(_ path: String) -> Result<[String], Errno> {
        guard let dir = opendir(path) else { return .failure(.current) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = cString(entry.pointee.d_name)
            if name != "." && name != ".." { names.append(name) }
        }
        return .success(names)
    }

    /// `nanosleep` for up to `nanos`; an interrupted sleep just returns early.
    static func sleep(nanos: UInt64) {
        var ts = timespec(tv_sec: Int(nanos / 1_000_000_000), tv_nsec: Int(nanos % 1_000_000_000))
        _ = nanosleep(&ts, nil)
    }

    /// Retries `call` while it fails with EINTR.
    private static func retrying(_ call: () -> Int32) -> Result<Int32, Errno> {
        while true {
            let r = call()
            if r >= 0 { return .success(r) }
            let e = Errno.current
            if e != .interrupted { return .failure(e) }
        }
    }
}

/// CLOCK_MONOTONIC, the clock V4L2 stamps buffers with (V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC).
public enum Monotonic {
    /// Nanoseconds since an arbitrary boot-time origin; never goes backwards.
    public static func nanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// Sleeps about `seconds` (negative or zero: returns at once); a signal may end it early.
    public static func sleep(seconds: Double) {
        guard seconds > 0 else { return }
        Sys.sleep(nanos: UInt64(seconds * 1e9))
    }
}
