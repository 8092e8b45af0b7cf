import CSystemd
import Foundation
import Glibc
import Testing

/// sd_notify through libsystemd, received on a datagram socket the test binds as NOTIFY_SOCKET.
@Suite(.serialized) struct SystemdBindingTests {
    @Test func sdNotifySendsReadyToNotifySocket() throws {
        let path = NSTemporaryDirectory() + "edgefer-notify-\(getpid()).sock"
        unlink(path)
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        #expect(fd >= 0)
        defer { close(fd); unlink(path) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { dst in
            for (i, b) in path.utf8.enumerated() { dst[i] = b }
        }
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
        setenv("NOTIFY_SOCKET", path, 1)
        defer { unsetenv("NOTIFY_SOCKET") }

        #expect(sd_notify(0, "READY=1\nSTATUS=bindings test") > 0)

        var buffer = [UInt8](repeating: 0, count: 256)
        let n = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
        #expect(n > 0)
        let message = String(decoding: buffer.prefix(max(n, 0)), as: UTF8.self)
        #expect(message == "READY=1\nSTATUS=bindings test")
    }

    @Test func sdNotifyWithoutSocketIsANoOp() {
        unsetenv("NOTIFY_SOCKET")
        #expect(sd_notify(0, "READY=1") == 0)
    }
}
