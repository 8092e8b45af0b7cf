import Capture
import Foundation
import Imaging
import Testing

/// MJPEG capture through v4l2loopback fed with the sample JPEGs by a C producer (qemu bed only).
@Suite(.serialized, .enabled(if: Bed.hasLoopback && Bed.producerPath != nil, "needs v4l2loopback at /dev/video10 and lb_producer (qemu bed)"))
struct LoopbackBedTests {

    /// One producer for the whole test: v4l2loopback refuses a second producer's S_FMT while the
    /// stream's format is in use.
    @Test func mjpegFramesDecodeToTheFacesFed() throws {
        let samples = try TestPaths.sampleJPEGs()
        let producer = try ChildProcess(Bed.producerPath!, [Bed.loopback, "640", "480", "15", "0"]
            + samples.map { TestPaths.sampleFaces + "/" + $0.name })
        defer { producer.kill() }
        for scale in [1, 2] { try capture(samples, scale: scale) }
    }

    func capture(_ samples: [(name: String, bytes: [UInt8])], scale: Int) throws {
        let expected = try samples.map { try JPEG.decodeGray($0.bytes, scaleDenominator: scale) }
        let log = StateLog()
        let camera = try V4L2Camera(config: CameraConfig(path: Bed.loopback, formats: [.mjpeg], width: 640, height: 480, fps: 15,
                                                         mjpegScaleDenominator: scale, initialBackoff: .milliseconds(100)),
                                    onStateChange: { log.record($0.name) })
        defer { camera.stop() }
        var matched = Set<Int>(), frames = 0
        let clock = ContinuousClock(), start = clock.now
        while clock.now - start < .seconds(20) && (frames < 20 || matched.count < samples.count) {
            guard let f = try camera.nextFrame(timeout: .seconds(1)) else { continue }
            frames += 1
            #expect(f.image.width == 640 / scale && f.image.height == 480 / scale)
            let k = expected.firstIndex(of: f.image)
            #expect(k != nil, "frame \(f.sequence) is not one of the JPEGs fed (scale 1/\(scale))")
            if let k { matched.insert(k) }
        }
        let g = try #require(camera.negotiated, "scale 1/\(scale): never streamed: \(camera.state)")
        #expect(g.pixelFormat == .mjpeg && g.width == 640 && g.height == 480)
        #expect(frames >= 20, "scale 1/\(scale)")
        #expect(matched.count == samples.count, "scale 1/\(scale): saw \(matched.sorted()) of \(samples.count) face frames")
        // The first loopback buffer may be stale garbage: at most that one fails to decode.
        #expect(camera.stats.decodeFailures <= 1, "\(camera.stats)")
        #expect(transitions(log.all).last == "streaming")
        print("bed: MJPEG 1/\(scale): \(frames) frames, all \(matched.count) face JPEGs matched exactly; \(camera.stats)")
    }
}
