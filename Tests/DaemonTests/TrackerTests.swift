import Imaging
import Testing
@testable import Track

/// Scripted face sequences through the tracker; every expected event is derived by hand from the rules.
@Suite struct TrackerTests {
    static let labels = ["anger", "happiness", "neutral"]
    static let happy: [Float] = [0.1, 0.8, 0.1]
    static let neutral: [Float] = [0.1, 0.1, 0.8]
    static let angry: [Float] = [0.8, 0.1, 0.1]

    static func config(_ edit: (inout TrackerConfig) -> Void = { _ in }) -> TrackerConfig {
        var c = TrackerConfig(labels: labels)
        c.minHits = 3
        c.maxMissed = 2
        c.minFaceSize = 20
        c.smoothing = .ema(alpha: 1)   // no smoothing unless a test asks for it
        c.updateInterval = 0
        c.minUpdateGap = 0
        edit(&c)
        return c
    }

    static func face(_ x: Int, _ y: Int = 100, size: Int = 60, _ p: [Float] = happy) -> FaceObservation {
        FaceObservation(box: Rect(x: x, y: y, width: size, height: size), probabilities: p)
    }

    /// Runs frames 0.1 s apart starting at t=1000 and returns (frame index, event) pairs.
    static func run(_ tracker: inout Tracker, _ frames: [[FaceObservation]]) -> [(Int, TrackEvent)] {
        var out: [(Int, TrackEvent)] = []
        for (i, f) in frames.enumerated() {
            for e in tracker.step(f, time: 1000 + Double(i) * 0.1) { out.append((i, e)) }
        }
        return out
    }

    @Test func announcedAfterMinHitsAndEndedAfterMaxMissed() {
        var t = Tracker(config: Self.config(), seed: 1)
        let frames = [[Self.face(100)], [Self.face(102)], [Self.face(104)], [Self.face(106)], [], [], []]
        let ev = Self.run(&t, frames)
        #expect(ev.map(\.0) == [2, 5])
        #expect(ev.map(\.1.kind) == [.new, .end])
        let new = ev[0].1, end = ev[1].1
        #expect(new.trackID == end.trackID)
        #expect(new.label == "happiness" && new.emotion == 1 && new.confidence == 0.8)
        #expect(new.firstSeen == 1000 && new.box == Rect(x: 104, y: 100, width: 60, height: 60))
        #expect(end.lastSeen == 1000.3 && end.box == Rect(x: 106, y: 100, width: 60, height: 60))
        #expect(t.confirmedCount == 0)
    }

    @Test func inconsistentDetectionsAreNeverAnnounced() {
        var t = Tracker(config: Self.config(), seed: 1)
        // two hits, a gap, two hits, and a box jumping away (IoU 0) every frame: never 3 consecutive hits.
        let frames = [[Self.face(100)], [Self.face(100)], [], [Self.face(100)], [Self.face(100)], [],
                      [Self.face(0)], [Self.face(300)], [Self.face(0)]]
        #expect(Self.run(&t, frames).isEmpty)
    }

    @Test func facesBelowMinimumSizeAreIgnored() {
        var t = Tracker(config: Self.config(), seed: 1)
        let frames = Array(repeating: [Self.face(100, size: 19)], count: 5)
        #expect(Self.run(&t, frames).isEmpty)
        let big = Array(repeating: [Self.face(100, size: 20)], count: 3)
        #expect(Self.run(&t, big).map(\.1.kind) == [.new])
    }

    @Test func emotionChangeIsRateLimited() {
        var t = Tracker(config: Self.config { $0.minUpdateGap = 0.25 }, seed: 1)
        // new at frame 2 (t=1000.2); anger from frame 3: gap 0.1 < 0.25, so held until frame 5 (t=1000.5)
        let p: [[Float]] = [Self.happy, Self.happy, Self.happy, Self.angry, Self.angry, Self.angry, Self.happy, Self.happy]
        let ev = Self.run(&t, p.map { [Self.face(100, 100, $0)] })
        #expect(ev.map(\.0) == [2, 5])
        #expect(ev[1].1.kind == .update && ev[1].1.reason == .emotionChanged && ev[1].1.label == "anger")
        // happiness again at frame 6 (gap 0.1): held; frame 7 still < 0.25 after frame 5, so nothing yet
        var more = t.step([Self.face(100, 100, Self.happy)], time: 1000.8)
        #expect(more.map(\.reason) == [.emotionChanged])
        more = t.step([Self.face(100, 100, Self.happy)], time: 1000.9)
        #expect(more.isEmpty)
    }

    @Test func periodicUpdatesAtTheConfiguredInterval() {
        var t = Tracker(config: Self.config { $0.updateInterval = 0.5 }, seed: 1)
        let ev = Self.run(&t, Array(repeating: [Self.face(100)], count: 14))
        // new at frame 2 (t=1000.2), then every 0.5 s: frames 7 and 12
        #expect(ev.map(\.0) == [2, 7, 12])
        #expect(ev.dropFirst().allSatisfy { $0.1.kind == .update && $0.1.reason == .periodic })
    }

    @Test func twoMovingFacesKeepTheirIds() {
        var t = Tracker(config: Self.config(), seed: 7)
        var frames: [[FaceObservation]] = []
        for i in 0..<6 {   // A moves right, B moves left, both 5 px per frame, listed in swapped order on odd frames
            let a = Self.face(100 + 5 * i, 100, Self.happy), b = Self.face(400 - 5 * i, 120, Self.angry)
            frames.append(i % 2 == 0 ? [a, b] : [b, a])
        }
        frames.append([Self.face(130, 100, Self.happy)])   // B leaves
        frames.append([Self.face(135, 100, Self.happy)])
        let ev = Self.run(&t, frames)
        #expect(ev.map(\.1.kind) == [.new, .new, .end])
        let idA = ev[0].1.trackID, idB = ev[1].1.trackID
        #expect(idA != idB && ev[0].1.label == "happiness" && ev[1].1.label == "anger")
        #expect(ev[2].1.trackID == idB && ev[2].0 == 7)
        #expect(t.summary == TrackSummary(faces: 1, emotion: 1, label: "happiness"))
    }

    @Test func medianSmoothingIgnoresASingleOutlier() {
        var t = Tracker(config: Self.config { $0.smoothing = .median(window: 5) }, seed: 1)
        let p: [[Float]] = [Self.happy, Self.happy, Self.happy, Self.angry, Self.happy, Self.happy]
        let ev = Self.run(&t, p.map { [Self.face(100, 100, $0)] })
        #expect(ev.map(\.1.kind) == [.new])
        #expect(abs(ev[0].1.probabilities.reduce(0, +) - 1) < 1e-6)
    }

    @Test func emaSmoothingFollowsTheFormula() {
        var t = Tracker(config: Self.config { $0.smoothing = .ema(alpha: 0.5); $0.minHits = 2 }, seed: 1)
        // binary-exact values: s = 0.5 * [0.5, 0.25, 0.25] + 0.5 * [0.25, 0.5, 0.25] = [0.375, 0.375, 0.25]
        let ev = Self.run(&t, [[Self.face(100, 100, [0.25, 0.5, 0.25])], [Self.face(100, 100, [0.5, 0.25, 0.25])]])
        #expect(ev.count == 1)
        #expect(ev[0].1.probabilities == [0.375, 0.375, 0.25] && ev[0].1.emotion == 0)   // tie: earlier class
    }

    @Test func idsAreFrigateStyleAndSeeded() {
        var g1 = TrackIDGenerator(seed: 42), g2 = TrackIDGenerator(seed: 42)
        let a = g1.next(time: 1607123955.475377), b = g2.next(time: 1607123955.475377)
        #expect(a == b)
        #expect(a.hasPrefix("1607123955.475377-") && a.count == "1607123955.475377-".count + 6)
        #expect(a.suffix(6).allSatisfy { ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") })
        #expect(TrackIDGenerator.formatTime(12.5) == "12.500000")
        #expect(g1.next(time: 1) != a)
    }

    @Test func endAllClosesConfirmedTracks() {
        var t = Tracker(config: Self.config(), seed: 3)
        _ = Self.run(&t, Array(repeating: [Self.face(100), Self.face(300)], count: 3))
        let ends = t.endAll(time: 2000)
        #expect(ends.count == 2 && ends.allSatisfy { $0.kind == .end && $0.time == 2000 })
        #expect(t.summary.faces == 0)
    }
}
