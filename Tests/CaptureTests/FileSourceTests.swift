import Capture
import Foundation
import Imaging
import Testing

/// The development sources: a folder of JPEGs and an MJPEG file, played as a camera.
@Suite struct FileSourceTests {
    @Test func folderPlaysEveryFrameInNameOrderAndLoops() throws {
        let samples = try TestPaths.sampleJPEGs()
        #expect(samples.count == 7)
        let expected = try samples.map { try JPEG.decodeGray($0.bytes) }
        let source = try JPEGFileSource(folder: TestPaths.sampleFaces, fps: 0)
        #expect(source.frameCount == samples.count)
        for i in 0..<(samples.count + 3) {
            let frame = try #require(try source.nextFrame(timeout: .seconds(1)))
            #expect(frame.sequence == UInt64(i))
            #expect(frame.deviceSequence == UInt64(i % samples.count))
            #expect(frame.image == expected[i % samples.count], "frame \(i)")
        }
        #expect(source.state == .streaming)
        #expect(source.stats.frames == UInt64(samples.count + 3))
        #expect(source.stats.decodeFailures == 0)
    }

    @Test func dctScalingHalvesTheFrame() throws {
        let source = try JPEGFileSource(folder: TestPaths.sampleFaces, fps: 0, scaleDenominator: 2)
        let frame = try #require(try source.nextFrame(timeout: .seconds(1)))
        #expect(frame.image.width == 320 && frame.image.height == 240)
    }

    @Test func nonLoopingSourceStopsAfterOnePass() throws {
        let source = try JPEGFileSource(folder: TestPaths.sampleFaces, fps: 0, loop: false)
        var n = 0
        while try source.nextFrame(timeout: .milliseconds(200)) != nil { n += 1 }
        #expect(n == source.frameCount)
        #expect(source.state == .stopped)
    }

    @Test func playsAtTheRequestedRate() throws {
        let source = try JPEGFileSource(folder: TestPaths.sampleFaces, fps: 50)
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<11 { _ = try #require(try source.nextFrame(timeout: .seconds(1))) }
        let elapsed = clock.now - start
        // 11 frames at 50 fps: the first is due at once, the last after 10 periods = 200 ms.
        #expect(elapsed >= .milliseconds(190), "\(elapsed)")
        // Only catches a stuck source: a loaded CI machine may deschedule us for a while.
        #expect(elapsed < .seconds(3), "\(elapsed)")
        #expect(source.stats.staleDrops == 0)
    }

    @Test func aSlowConsumerGetsTheFreshestFrameAndCountsTheSkipped() throws {
        let source = try JPEGFileSource(folder: TestPaths.sampleFaces, fps: 100)
        _ = try #require(try source.nextFrame(timeout: .seconds(1)))
        let clock = ContinuousClock()
        let before = clock.now
        Thread.sleep(forTimeInterval: 0.105)  // at least 10 periods
        let frame = try #require(try source.nextFrame(timeout: .seconds(1)))
        // The bound comes from the time that really passed, which load can stretch.
        let (seconds, attoseconds) = (clock.now - before).components
        let periods = Int((Double(seconds) + Double(attoseconds) * 1e-18) * 100)
        #expect(source.stats.staleDrops >= 8 && source.stats.staleDrops <= periods + 1, "\(source.stats), \(periods) periods")
        #expect(frame.deviceSequence == (1 + source.stats.staleDrops) % UInt64(source.frameCount))
    }

    @Test func timeoutBeforeTheNextFrameIsDueGivesNil() throws {
        let source = try JPEGFileSource(folder: TestPaths.sampleFaces, fps: 2)
        _ = try #require(try source.nextFrame(timeout: .seconds(1)))
        #expect(try source.nextFrame(timeout: .milliseconds(50)) == nil)
        #expect(try source.nextFrame(timeout: .seconds(1)) != nil)
    }

    @Test func aConsumerThatDropsItsFrameCausesNoReallocation() throws {
        let source = try JPEGFileSource(folder: TestPaths.sampleFaces, fps: 0)
        var addresses: Set<UInt> = []
        for _ in 0..<5 {
            let frame = try #require(try source.nextFrame(timeout: .seconds(1)))
            addresses.insert(frame.image.pixels.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) })
        }
        #expect(addresses.count == 1)
    }

    @Test func corruptFramesAreDroppedAndCountedNotFatal() throws {
        let dir = try TestPaths.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let samples = try TestPaths.sampleJPEGs()
        try Data(samples[0].bytes).write(to: URL(fileURLWithPath: dir + "/a.jpg"))
        // A valid header with the entropy-coded data cut off: libjpeg's "premature end" warning.
        try Data(samples[1].bytes.prefix(samples[1].bytes.count / 2)).write(to: URL(fileURLWithPath: dir + "/b.jpg"))
        try Data(samples[2].bytes).write(to: URL(fileURLWithPath: dir + "/c.jpg"))
        let source = try JPEGFileSource(folder: dir, fps: 0)
        let first = try #require(try source.nextFrame(timeout: .seconds(1)))
        let second = try #require(try source.nextFrame(timeout: .seconds(1)))
        #expect(first.deviceSequence == 0)
        #expect(second.deviceSequence == 2)
        #expect(source.stats.decodeFailures == 1)
        #expect(source.stats.frames == 2)
    }

    @Test func badFoldersGetErrorsNamingThePath() throws {
        #expect {
            _ = try JPEGFileSource(folder: "/nonexistent/edgefer-frames", fps: 10)
        } throws: { error in
            "\(error)" == "cannot read /nonexistent/edgefer-frames: ENOENT (No such file or directory)"
        }
        let dir = try TestPaths.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(throws: CaptureError.noFrames(path: dir, reason: "no .jpg or .jpeg files")) {
            _ = try JPEGFileSource(folder: dir, fps: 10)
        }
        try Data("not a jpeg".utf8).write(to: URL(fileURLWithPath: dir + "/x.jpg"))
        #expect {
            _ = try JPEGFileSource(folder: dir, fps: 10)
        } throws: { error in
            "\(error)".hasPrefix("\(dir)/x.jpg: no playable frames: not a JPEG")
        }
        #expect(throws: CaptureError.invalidConfig(field: "fps", expected: "0...10000, got -1.0")) {
            _ = try JPEGFileSource(folder: TestPaths.sampleFaces, fps: -1)
        }
    }

    @Test func mjpegFilePlaysItsFrames() throws {
        let samples = try TestPaths.sampleJPEGs()
        let dir = try TestPaths.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/clip.mjpeg"
        try Data(samples.flatMap(\.bytes)).write(to: URL(fileURLWithPath: path))
        let source = try JPEGFileSource(mjpegFile: path, fps: 0, loop: false)
        #expect(source.frameCount == samples.count)
        for (i, s) in samples.enumerated() {
            let frame = try #require(try source.nextFrame(timeout: .seconds(1)))
            #expect(frame.image == (try JPEG.decodeGray(s.bytes)), "frame \(i)")
        }
        #expect(try source.nextFrame(timeout: .milliseconds(10)) == nil)
    }

    @Test func mjpegFileWithoutACompleteFrameIsRejected() throws {
        let samples = try TestPaths.sampleJPEGs()
        let dir = try TestPaths.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/cut.mjpeg"
        let cut = Array(samples[0].bytes.prefix(1000))
        try Data(cut).write(to: URL(fileURLWithPath: path))
        #expect(throws: CaptureError.noFrames(path: path, reason: "no complete JPEG (SOI...EOI) in 1000 bytes")) {
            _ = try JPEGFileSource(mjpegFile: path, fps: 10)
        }
    }

    @Test func withoutACameraTheSamplesPlay() throws {
        let source = try FrameSources.cameraOrFolder(CameraConfig(path: "/dev/video99"), fallbackFolder: TestPaths.sampleFaces, fps: 0)
        #expect(source is JPEGFileSource)
        let frame = try #require(try source.nextFrame(timeout: .seconds(1)))
        #expect(frame.image.width == 640 && frame.image.height == 480)
        let camera = try FrameSources.cameraOrFolder(CameraConfig(path: "/dev/null"), fallbackFolder: TestPaths.sampleFaces, fps: 0)
        #expect(camera is V4L2Camera)
    }

    @Test func stopEndsPlayback() throws {
        let source = try JPEGFileSource(folder: TestPaths.sampleFaces, fps: 1)
        _ = try source.nextFrame(timeout: .seconds(1))
        source.stop()
        #expect(try source.nextFrame(timeout: .seconds(2)) == nil)
        #expect(source.state == .stopped)
    }
}
