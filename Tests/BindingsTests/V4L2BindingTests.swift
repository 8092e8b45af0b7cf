import CV4L2
import Glibc
import Testing

/// libv4l2 through the CV4L2 shim. Real-driver tests live in CaptureTests and the vivid bed.
@Suite struct V4L2BindingTests {
    @Test func openingAMissingDeviceFailsWithENOENT() {
        let path = "/dev/video-edgefer-missing"
        errno = 0
        let fd = cv4l2_open(path, O_RDWR | O_NONBLOCK)
        let err = errno
        #expect(fd == -1)
        #expect(err == ENOENT)
        #expect(String(cString: strerror(err)) == "No such file or directory")
    }

    @Test func ioctlOnANonVideoFileIsRejected() {
        let fd = open("/dev/null", O_RDWR)
        defer { close(fd) }
        var cap = v4l2_capability()
        let rc = cv4l2_ioctl(fd, cv4l2_VIDIOC_QUERYCAP(), &cap)
        #expect(rc == -1)
        #expect(errno == ENOTTY)
        #expect(cv4l2_VIDIOC_QUERYCAP() == 0x8068_5600)
        #expect(cv4l2_PIX_FMT_YUYV() == 0x5659_5559)  // 'YUYV' little-endian fourcc
    }
}
