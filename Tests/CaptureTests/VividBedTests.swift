import Capture
import Foundation
import Imaging
import Testing

/// Capture against the real vivid driver inside the qemu bed (`scripts/test_v4l2.sh`).
@Suite(.serialized, .enabled(if: Bed.hasVivid, "needs the vivid driver at /dev/video0 (qemu bed)"))
struct VividBedTests {
    struct Mode {
        var format: CapturePixelFormat, width: Int, height: Int, fps: Int
    }

    @Test func capturesYUYVAtTheRequestedSizeAndRate() throws {
        try captures(Mode(format: .yuyv, width: 640, height: 480, fps: 25))
    }

    @Test func capturesGREYAtTheRequestedSizeAndRate() throws {
        try captures(Mode(format: .grey, width: 320, height: 180, fps: 30))
    }

    func captures(_ mode: Mode) throws {
        let camera = try V4L2Camera(config: CameraConfig(path: Bed.vivid, formats: [mode.format], width: mode.width, height: mode.height, fps: mode.fps))
        defer { camera.stop() }
        var frames: [Frame] = []
        let clock = ContinuousClock(), start = clock.now
        while clock.now - start < .seconds(2) {
            if let f = try camera.nextFrame(timeout: .seconds(2)) { frames.append(f) }
        }
        let g = try #require(camera.negotiated)
        #expect(g.pixelFormat == mode.format && g.width == mode.width && g.height == mode.height)
        #expect(g.bytesPerLine == mode.width * (mode.format == .yuyv ? 2 : 1))
        #expect(g.fps == Double(mode.fps))
        #expect(g.driver == "vivid")
        try #require(frames.count >= 10, "only \(frames.count) frames in 2 s")
        let first = frames.first!, last = frames.last!
        for f in frames { #expect(f.image.width == mode.width && f.image.height == mode.height) }
        // The driver's timestamps say how fast it produced frames: 1/fps apart.
        let span = Double(last.timestampNanos - first.timestampNanos) / 1e9
        let period = span / Double(last.deviceSequence - first.deviceSequence)
        #expect(abs(period * Double(mode.fps) - 1) < 0.1, "period \(period) s at \(mode.fps) fps")
        print("bed: \(mode.format) \(mode.width)x\(mode.height)@\(mode.fps): driver period \(Int(period * 1e6)) us, \(camera.stats)")
        // Every frame the driver numbered since STREAMON is accounted for exactly once: delivered,
        // skipped for a fresher one, or never handed over (no free buffer). vivid numbers from 0
        // and fills the first buffer queued before STREAMON, so the first one dequeued is 0.
        let stats = camera.stats
        #expect(stats.frames + stats.staleDrops + stats.driverDrops == last.deviceSequence + 1, "\(stats), last \(last.deviceSequence)")
        // The 2 s window holds 2*fps frames, less the open and S_FMT time (slow under emulation).
        #expect(Double(last.deviceSequence + 1) >= 0.7 * 2 * Double(mode.fps), "\(last.deviceSequence + 1) frames in 2 s at \(mode.fps) fps")
        #expect(stats.errorFrames == 0 && stats.decodeFailures == 0 && stats.outages == 0)
        #expect(Set(frames.map(\.sequence)).count == frames.count)
        let pixels = first.image.pixels
        #expect(Int(pixels.max()!) - Int(pixels.min()!) > 100, "vivid's colour bars span dark to bright")
    }

    /// Streams, injects `fault`, and keeps calling `nextFrame` until frames resume after it.
    func recover(from fault: String, expectOutage: Bool, stallTimeout: Duration = .seconds(2), inject: () throws -> Void,
                 whileDown: (V4L2Camera) throws -> Void = { _ in }) throws -> (V4L2Camera, [String]) {
        let log = StateLog()
        let camera = try V4L2Camera(config: CameraConfig(path: Bed.vivid, formats: [.yuyv], width: 320, height: 180, fps: 30,
                                                         stallTimeout: stallTimeout, initialBackoff: .milliseconds(100), maxBackoff: .seconds(1)),
                                    onStateChange: { log.record($0.name) })
        for _ in 0..<5 { _ = try #require(try camera.nextFrame(timeout: .seconds(3)), "no frame before \(fault)") }
        let before = camera.stats.frames
        try inject()
        let clock = ContinuousClock(), start = clock.now
        var after = 0, calledWhileDown = false
        while clock.now - start < .seconds(15) && after < 10 {
            let frame = try camera.nextFrame(timeout: .milliseconds(200))
            if camera.state != .streaming && !calledWhileDown {
                calledWhileDown = true
                try whileDown(camera)
            }
            // The outage may begin and end inside one nextFrame call: the state log has it.
            let sawOutage = transitions(log.all).count > 1
            if frame != nil && (sawOutage || !expectOutage) { after += 1 }
        }
        #expect(after >= 10, "frames did not resume after \(fault): \(camera.state), \(camera.stats)")
        #expect(camera.state == .streaming)
        #expect(camera.stats.frames >= before + 10)
        print("bed: \(fault): frames resumed \(clock.now - start) after the fault; states \(transitions(log.all)); \(camera.stats)")
        return (camera, transitions(log.all))
    }

    @Test func disconnectControlIsRecovered() throws {
        let (camera, states) = try recover(from: "disconnect", expectOutage: true) {
            try V4L2Controls.set("disconnect", to: 1, device: Bed.vivid)
        }
        #expect(states == ["streaming", "no_device", "streaming"])
        #expect(camera.stats.outages == 1 && camera.stats.reconnects == 1)
        camera.stop()
    }

    @Test func anUnknownControlIsATypedError() throws {
        #expect {
            try V4L2Controls.set("no_such_control", to: 1, device: Bed.vivid)
        } throws: { error in
            guard case .noSuchControl(let path, let name, let available) = error as? CaptureError else { return false }
            return path == Bed.vivid && name == "no_such_control" && available.contains("inject_fatal_streaming_error")
        }
    }

    @Test func bufferFlaggedErrorIsDroppedAndCounted() throws {
        let (camera, states) = try recover(from: "inject_v4l2_buf_flag_error", expectOutage: false) {
            try V4L2Controls.set("inject_v4l2_buf_flag_error", to: 1, device: Bed.vivid)
        }
        #expect(states == ["streaming"])
        #expect(camera.stats.errorFrames == 1)
        #expect(camera.stats.outages == 0 && camera.stats.reconnects == 0)
        camera.stop()
    }

    @Test func fatalStreamingErrorIsRecovered() throws {
        let (camera, states) = try recover(from: "inject_fatal_streaming_error", expectOutage: true) {
            try V4L2Controls.set("inject_fatal_streaming_error", to: 1, device: Bed.vivid)
        }
        #expect(states == ["streaming", "error", "streaming"])
        #expect(camera.stats.outages == 1 && camera.stats.reconnects == 1)
        camera.stop()
    }

    @Test func aStreamThatStopsDeliveringIsRestarted() throws {
        // vivid fills no buffer while percentage_of_dropped_buffers is 100: a live stream that stalls.
        defer { try? V4L2Controls.set("percentage_of_dropped_buffers", to: 0, device: Bed.vivid) }
        var downStates: [CaptureState] = []
        let (camera, states) = try recover(from: "stall", expectOutage: true, stallTimeout: .milliseconds(500), inject: {
            try V4L2Controls.set("percentage_of_dropped_buffers", to: 100, device: Bed.vivid)
        }) { camera in
            // Restarts that still deliver nothing are the same outage.
            for _ in 0..<8 { _ = try camera.nextFrame(timeout: .milliseconds(250)); downStates.append(camera.state) }
            try V4L2Controls.set("percentage_of_dropped_buffers", to: 0, device: Bed.vivid)
        }
        #expect(states == ["streaming", "error", "streaming"])
        #expect(downStates.allSatisfy { $0 == .error("/dev/video0: no frame for 0.5 s") }, "\(downStates)")
        #expect(camera.stats.outages == 1 && camera.stats.reconnects == 1)
        camera.stop()
    }

    @Test func aCameraMissingAtStartIsPickedUpWhenPluggedIn() throws {
        try Bed.platform("unbind")
        var bound = false
        defer { if !bound { try? Bed.platform("bind") } }
        let log = StateLog()
        let camera = try V4L2Camera(config: CameraConfig(path: Bed.vivid, formats: [.grey], width: 320, height: 180, fps: 30,
                                                         initialBackoff: .milliseconds(100), maxBackoff: .milliseconds(400)),
                                    onStateChange: { log.record($0.name) })
        defer { camera.stop() }
        #expect(try camera.nextFrame(timeout: .seconds(1)) == nil)
        #expect(camera.state == .noDevice("cannot open /dev/video0: ENOENT (No such file or directory)"))
        try Bed.platform("bind")
        bound = true
        var frames = 0
        let clock = ContinuousClock(), start = clock.now
        while clock.now - start < .seconds(10) && frames < 10 {
            if try camera.nextFrame(timeout: .milliseconds(500)) != nil { frames += 1 }
        }
        #expect(frames == 10)
        #expect(transitions(log.all) == ["no_device", "streaming"])
        #expect(camera.stats.outages == 1 && camera.stats.reconnects == 1)
    }

    @Test func unbindAndBindIsRecovered() throws {
        var downStates: [CaptureState] = []
        let (camera, states) = try recover(from: "unbind", expectOutage: true, inject: { try Bed.platform("unbind") }) { camera in
            // Stay unplugged a while: the node is gone, retries see ENOENT.
            for _ in 0..<4 { _ = try camera.nextFrame(timeout: .milliseconds(200)); downStates.append(camera.state) }
            #expect(!FileManager.default.fileExists(atPath: Bed.vivid))
            try Bed.platform("bind")
        }
        #expect(states == ["streaming", "no_device", "streaming"])
        #expect(downStates.last == .noDevice("cannot open /dev/video0: ENOENT (No such file or directory)"))
        #expect(camera.stats.outages == 1 && camera.stats.reconnects == 1)
        camera.stop()
    }
}
