import FuzzSupport
import Imaging
import Detect

// Any bytes: the cascade parser must throw a CascadeError or return a validated cascade; a
// cascade that loads must also survive a small detection run (its indices were all checked).
let probe = GrayImage(width: 48, height: 40, pixels: (0..<(48 * 40)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
runFuzzer { bytes in
    guard let cascade = try? Cascade(xml: bytes) else { return }
    _ = FaceDetector(cascade: cascade, parameters: DetectionParameters(scaleFactor: 1.5, minNeighbors: 0)).detect(probe)
}
