@testable import Detect
import Foundation
import Imaging
import Testing

private func detector(_ cascade: String, scaleFactor: Double, minNeighbors: Int, minSize: Int, threads: Int = 1) throws -> FaceDetector {
    FaceDetector(cascade: try Cascade(contentsOf: SharedData.cascades + "/" + cascade),
                 parameters: DetectionParameters(scaleFactor: scaleFactor, minNeighbors: minNeighbors,
                                                 minSize: Size(width: minSize, height: minSize), threads: threads))
}

private func sorted(_ r: [Rect]) -> [[Int]] { r.map { [$0.x, $0.y, $0.width, $0.height] }.sorted { $0.lexicographicallyPrecedes($1) } }

/// Cascades the conformance set does not cover, against OpenCV's raw windows and grouped boxes
/// (Golden/detections.json): tilted features, trees with tilted features, the old XML format.
@Test func matchesOpenCVOnTiltedTreeAndOldFormatCascades() throws {
    let cases = try #require(SharedData.json(SharedData.golden + "/detections.json") as? [[String: Any]])
    #expect(cases.count == 6)
    for c in cases {
        let name = try #require(c["cascade"] as? String), image = try #require(c["image"] as? String)
        let sf = try #require(c["scaleFactor"] as? Double), minSize = try #require(c["minSize"] as? Int)
        let gray = try SharedData.gray(image)
        let raw = try detector(name, scaleFactor: sf, minNeighbors: 0, minSize: minSize).detect(gray)
        #expect(sorted(raw) == SharedData.boxes(c["raw"]), "\(name) raw")
        let grouped = try detector(name, scaleFactor: sf, minNeighbors: 3, minSize: minSize).detect(gray)
        #expect(sorted(grouped) == SharedData.boxes(c["grouped"]), "\(name) grouped")
    }
}

/// The conformance photos the debug suite runs (the full 89 x 2 run is
/// `scripts/detect_conformance.py .build/release/fer`): the smallest images plus a few with
/// many faces (img_000 and img_006 have 7). Every box must equal OpenCV's.
private let conformanceSubset = ["images/img_000.jpg", "images/img_002.jpg", "images/img_006.jpg", "images/img_010.jpg"]

@Test(arguments: [("haarcascade_frontalface_default.xml", 1.1, 3), ("haarcascade_frontalface_alt2.xml", 1.2, 5)])
func conformsToOpenCVOnPhotos(_ set: (String, Double, Int)) throws {
    let (cascade, sf, mn) = set
    let refs = try #require(SharedData.json(SharedData.haar + "/opencv_reference.json") as? [[String: Any]])
    let d = try detector(cascade, scaleFactor: sf, minNeighbors: mn, minSize: 24)
    var agree = 0
    for image in conformanceSubset {
        let ref = try #require(refs.first { $0["image"] as? String == image && $0["cascade"] as? String == cascade })
        let ours = sorted(d.detect(try SharedData.gray(image)))
        let theirs = SharedData.boxes(ref["boxes"]).sorted { $0.lexicographicallyPrecedes($1) }
        #expect(ours == theirs, "\(image)")
        if ours == theirs { agree += 1 }
    }
    #expect(agree == conformanceSubset.count)
}

/// Two scanning threads give exactly the one-thread result.
@Test func twoThreadsGiveSameBoxes() throws {
    let gray = try SharedData.gray("images/img_000.jpg")
    let one = try detector("haarcascade_frontalface_default.xml", scaleFactor: 1.1, minNeighbors: 0, minSize: 24).detect(gray)
    let two = try detector("haarcascade_frontalface_default.xml", scaleFactor: 1.1, minNeighbors: 0, minSize: 24, threads: 2).detect(gray)
    #expect(!one.isEmpty && sorted(one) == sorted(two))
}

/// Reusing one detector across frames and sizes gives the same answers as fresh detectors.
@Test func detectorReuseAcrossSizes() throws {
    let d = try detector("haarcascade_frontalface_alt2.xml", scaleFactor: 1.2, minNeighbors: 3, minSize: 24)
    let a = try SharedData.gray("images/img_000.jpg"), b = try SharedData.gray("images/img_003.jpg")
    let fa = d.detect(a), fb = d.detect(b)
    #expect(d.detect(a) == fa && d.detect(b) == fb)
    #expect(try detector("haarcascade_frontalface_alt2.xml", scaleFactor: 1.2, minNeighbors: 3, minSize: 24).detect(b) == fb)
}

/// Tracking mode finds the faces known from a full scan again, scanning far fewer windows.
@Test func regionScanFindsKnownFaces() throws {
    let gray = try SharedData.gray("images/img_000.jpg")
    let d = try detector("haarcascade_frontalface_default.xml", scaleFactor: 1.1, minNeighbors: 3, minSize: 24)
    let full = d.detect(gray)
    #expect(full.count >= 4)
    let again = d.detect(gray, around: full)
    for face in full {
        #expect(again.contains { $0.iou(face) >= 0.9 }, "\(face) lost in region scan: \(again)")
    }
    #expect(d.detect(gray, around: []).isEmpty)
}

/// A region that lags the face by 0.8 of its width (a face seen some frames ago) finds it only
/// when its search area grows further than the default half size; threads do not change results.
@Test func regionGrowthReachesAMovedFace() throws {
    let gray = try SharedData.gray("images/img_000.jpg")
    let d = try detector("haarcascade_frontalface_default.xml", scaleFactor: 1.1, minNeighbors: 3, minSize: 24)
    let face = try #require(d.detect(gray).max { $0.area < $1.area })
    let stale = Rect(x: face.x + face.width * 4 / 5, y: face.y, width: face.width, height: face.height)
    #expect(!d.detect(gray, around: [stale]).contains { $0.iou(face) >= 0.9 })
    let grown = d.detect(gray, around: [stale], grow: [1.0])
    #expect(grown.contains { $0.iou(face) >= 0.9 }, "\(face) not found from \(stale): \(grown)")
    let two = try detector("haarcascade_frontalface_default.xml", scaleFactor: 1.1, minNeighbors: 3, minSize: 24, threads: 2)
    #expect(sorted(two.detect(gray, around: [stale, face], grow: [1.0])) == sorted(d.detect(gray, around: [stale, face], grow: [1.0])))
}

/// Images smaller than the window, and flat images, find nothing and do not crash.
@Test(arguments: [(10, 10, UInt8(0)), (24, 24, 128), (25, 300, 7), (300, 25, 255), (64, 48, 90)])
func degenerateImages(_ c: (Int, Int, UInt8)) throws {
    let d = try detector("haarcascade_frontalface_default.xml", scaleFactor: 1.1, minNeighbors: 0, minSize: 0)
    #expect(d.detect(GrayImage(width: c.0, height: c.1, pixels: [UInt8](repeating: c.2, count: c.0 * c.1))).isEmpty)
}

/// A full scan every N frames, region scans in between, the same faces throughout.
@Test func trackingDetectorAlternatesScans() throws {
    let gray = try SharedData.gray("images/img_000.jpg")
    let tracker = TrackingDetector(detector: try detector("haarcascade_frontalface_default.xml", scaleFactor: 1.1, minNeighbors: 3, minSize: 24),
                                   fullScanInterval: 3)
    var kinds: [Bool] = []
    var first: [Rect] = []
    for frame in 0..<5 {
        let faces = tracker.detect(gray)
        kinds.append(tracker.lastScanWasFull)
        if frame == 0 { first = faces }
        for face in first { #expect(faces.contains { $0.iou(face) >= 0.9 }, "frame \(frame): \(face) lost") }
    }
    #expect(kinds == [true, false, false, true, false])
}
