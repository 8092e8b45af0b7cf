@testable import Capture
import Foundation
import Testing

/// V4L2 camera behaviour that needs no video device: a missing node, a non-video node, config.
@Suite struct CameraHostTests {
    @Test func probingAMissingDeviceNamesThePath() {
        let config = CameraConfig(path: "/dev/video99")
        #expect(throws: CaptureError.cannotOpen(path: "/dev/video99", .noEntry)) { _ = try V4L2Camera.probe(config) }
        #expect(CaptureError.cannotOpen(path: "/dev/video99", .noEntry).description
            == "cannot open /dev/video99: ENOENT (No such file or directory)")
    }

    @Test func aMissingDeviceIsTheNoDeviceStateNotACrash() throws {
        let log = StateLog()
        let camera = try V4L2Camera(config: CameraConfig(path: "/dev/video99", initialBackoff: .milliseconds(50), maxBackoff: .milliseconds(100)),
                                    onStateChange: { log.record($0.name) })
        let start = ContinuousClock.now
        #expect(try camera.nextFrame(timeout: .milliseconds(400)) == nil)
        #expect(ContinuousClock.now - start >= .milliseconds(390))
        #expect(camera.state == .noDevice("cannot open /dev/video99: ENOENT (No such file or directory)"))
        #expect(log.all == ["no_device"])
        // One outage, several attempts (50, 100, 100 ms backoff), no reconnect.
        #expect(camera.stats.outages == 1)
        #expect(camera.stats.reconnects == 0)
        #expect(camera.negotiated == nil)
        camera.stop()
        #expect(camera.state == .stopped)
        #expect(try camera.nextFrame(timeout: .seconds(1)) == nil)
    }

    @Test func aNodeThatIsNotAVideoDeviceIsAnErrorState() throws {
        #expect(throws: CaptureError.notACaptureDevice(path: "/dev/null", reason: "not a V4L2 device (VIDIOC_QUERYCAP: ENOTTY (Inappropriate ioctl for device))")) {
            _ = try V4L2Camera.probe(CameraConfig(path: "/dev/null"))
        }
        let camera = try V4L2Camera(config: CameraConfig(path: "/dev/null"))
        #expect(try camera.nextFrame(timeout: .milliseconds(50)) == nil)
        #expect(camera.state.name == "error")
    }

    @Test func stopInterruptsAWaitingCall() throws {
        let camera = try V4L2Camera(config: CameraConfig(path: "/dev/video99", initialBackoff: .seconds(5), maxBackoff: .seconds(5)))
        #expect(try camera.nextFrame(timeout: .milliseconds(10)) == nil)
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.1) { camera.stop() }
        let start = ContinuousClock.now
        #expect(try camera.nextFrame(timeout: .seconds(10)) == nil)
        #expect(ContinuousClock.now - start < .seconds(2))
    }

    @Test(arguments: [
        (CameraConfig(width: 8), "width"), (CameraConfig(fps: -1), "fps"), (CameraConfig(bufferCount: 1), "bufferCount"),
        (CameraConfig(mjpegScaleDenominator: 3), "mjpegScaleDenominator"), (CameraConfig(formats: []), "formats"),
        (CameraConfig(path: ""), "path"),
    ])
    func invalidConfigNamesTheField(config: CameraConfig, field: String) {
        #expect { try config.validate() } throws: { error in
            guard case .invalidConfig(let f, _) = error as? CaptureError else { return false }
            return f == field
        }
    }

    @Test func controlsOfAMissingDeviceNameThePath() {
        #expect(throws: CaptureError.cannotOpen(path: "/dev/video99", .noEntry)) {
            try V4L2Controls.set("disconnect", to: 1, device: "/dev/video99")
        }
    }

    @Test func controlNamesFollowV4L2Ctl() {
        #expect(V4L2Controls.v4l2CtlName("Inject V4L2_BUF_FLAG_ERROR") == "inject_v4l2_buf_flag_error")
        #expect(V4L2Controls.v4l2CtlName("Disconnect") == "disconnect")
        #expect(V4L2Controls.v4l2CtlName("Inject Fatal Streaming Error") == "inject_fatal_streaming_error")
        #expect(V4L2Controls.v4l2CtlName("White Balance, Automatic") == "white_balance_automatic")
    }

    @Test func fourccsRoundTrip() {
        #expect(CapturePixelFormat.yuyv.fourcc == 0x5659_5559)
        #expect(CapturePixelFormat(fourcc: fourccCode("JPEG")) == .mjpeg)
        #expect(CapturePixelFormat(fourcc: fourccCode("RGB3")) == nil)
    }
}
