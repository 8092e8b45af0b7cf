import Capture
import FoundationEssentials
import Imaging
import Track

/// Plays a script of face observations as if a camera and model produced them, paced at `camera.fps`:
/// `[camera] source = "script:FILE"`. For development, demos and tests of everything after recognition.
///
/// FILE holds JSON lines (`#` comments and blank lines allowed):
/// `{"labels": [...], "model": "name", "loop": true}` (optional, first) then segments
/// `{"repeat": 30, "camera": "streaming", "faces": [{"box": [x, y, w, h], "p": [one per label]}]}`.
public final class ScriptedPipeline: FacePipeline {
    public struct Segment: Sendable, Equatable {
        public var repeatCount: Int
        public var camera: CameraState
        public var faces: [FaceObservation]
    }

    public private(set) var labels = FerdConfig.defaultLabels
    public private(set) var modelID = "script"
    public private(set) var segments: [Segment] = []
    public private(set) var loop = true
    public private(set) var cameraState = CameraState.noDevice
    public private(set) var droppedFrames = 0
    private var fps: Double
    private var segment = 0
    private var frameInSegment = 0
    private var nextTime: Double?

    public init(path: String, fps: Int) throws(ConfigError) {
        self.fps = Double(fps)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, line: nil, key: nil, "cannot read the script")
        }
        let text = String(decoding: data, as: UTF8.self)
        let decoder = JSONDecoder()
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingSpaces()
            if line.isEmpty || line.hasPrefix("#") { continue }
            func fail(_ m: String) -> ConfigError { ConfigError(file: path, line: n + 1, key: nil, m) }
            let obj: ScriptLine
            do { obj = try decoder.decode(ScriptLine.self, from: Data(line.utf8)) } catch {
                throw fail("expected a JSON object with labels/model/loop or repeat/camera/faces of the right types")
            }
            if let l = obj.labels {
                guard segments.isEmpty, !l.isEmpty else { throw fail("\"labels\" must be a non-empty array of strings, before any segment") }
                self.labels = l
                if let m = obj.model { modelID = m }
                if let lp = obj.loop { loop = lp }
                continue
            }
            let count = obj.repeat ?? 1
            guard count >= 1 && count <= 1_000_000 else { throw fail("\"repeat\" must be 1...1000000") }
            guard let camera = CameraState(rawValue: obj.camera ?? "streaming") else {
                throw fail("\"camera\" must be streaming, no_device or error")
            }
            var faces: [FaceObservation] = []
            for f in obj.faces ?? [] {
                let b = f.box
                guard b.count == 4, b[2] > 0, b[3] > 0 else { throw fail("face \"box\" must be [x, y, width, height] with positive size") }
                guard f.p.count == labels.count, f.p.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
                    throw fail("face \"p\" must hold \(labels.count) non-negative probabilities")
                }
                faces.append(FaceObservation(box: Rect(x: b[0], y: b[1], width: b[2], height: b[3]), probabilities: f.p))
            }
            segments.append(Segment(repeatCount: count, camera: camera, faces: faces))
        }
        guard !segments.isEmpty else { throw ConfigError(file: path, line: nil, key: nil, "the script has no segments") }
        cameraState = segments[0].camera
    }

    public func nextFrame(timeout: Double) throws -> PipelineFrame? {
        let now = Date().timeIntervalSince1970
        let due = nextTime ?? now
        if due - now > timeout {
            Monotonic.sleep(seconds: timeout)
            return nil
        }
        if due > now { Monotonic.sleep(seconds: due - now) }
        nextTime = max(due + 1 / fps, Date().timeIntervalSince1970 - 1)   // do not burst after a stall
        guard segment < segments.count else { return nil }   // finished, not looping
        let s = segments[segment]
        cameraState = s.camera
        frameInSegment += 1
        if frameInSegment >= s.repeatCount {
            frameInSegment = 0
            segment += 1
            if segment == segments.count && loop { segment = 0 }
        }
        guard s.camera == .streaming else { return nil }
        return PipelineFrame(time: due, observations: s.faces)
    }

    public func reconfigure(_ config: FerdConfig) throws {
        fps = Double(config.camera.fps)
    }

    public func stop() { cameraState = .noDevice }
}

/// One line of a face script, as JSON.
private struct ScriptLine: Decodable {
    struct Face: Decodable {
        var box: [Int]
        var p: [Float]
    }
    var labels: [String]?
    var model: String?
    var loop: Bool?
    var `repeat`: Int?
    var camera: String?
    var faces: [Face]?
}
