import Imaging

/// Detection for video: a full scan every `fullScanInterval` frames (and whenever no face is
/// known), otherwise only the regions around the faces found in the previous frame
/// (`FaceDetector.detect(_:around:)`), which costs a fraction of a full scan.
public final class TrackingDetector {
    public let detector: FaceDetector
    public var fullScanInterval: Int
    public private(set) var lastFaces: [Rect] = []
    public private(set) var lastScanWasFull = false
    private var framesSinceFullScan = 0

    public init(detector: FaceDetector, fullScanInterval: Int = 10) {
        precondition(fullScanInterval >= 1, "fullScanInterval must be >= 1")
        self.detector = detector
        self.fullScanInterval = fullScanInterval
    }

    /// Faces in the next frame of the stream.
    public func detect(_ image: GrayImage) -> [Rect] {
        if lastFaces.isEmpty || framesSinceFullScan + 1 >= fullScanInterval {
            lastFaces = detector.detect(image)
            lastScanWasFull = true
            framesSinceFullScan = 0
        } else {
            lastFaces = detector.detect(image, around: lastFaces)
            lastScanWasFull = false
            framesSinceFullScan += 1
        }
        return lastFaces
    }

    /// Forgets the tracked faces; the next frame gets a full scan.
    public func reset() {
        lastFaces = []
        lastScanWasFull = false
        framesSinceFullScan = 0
    }
}
