import Detect
import Dispatch
import Imaging
import Synchronization

/// Whole-frame Haar scans on a serial queue of their own (`detector.background_full_scan`), so no
/// frame waits for one: frames are scanned only around known faces, and each finished whole-frame
/// scan adds the faces it found to those regions. A scan works on its own copy of the frame.
final class BackgroundFullScan: @unchecked Sendable {   // `image` is handed over through `state`
    private let detector: FaceDetector
    private let queue = DispatchQueue(label: "ferd.full-scan", qos: .utility)
    /// Written by the owner only while no scan runs, read by the queue only while one does.
    private var image = GrayImage(width: 0, height: 0)
    private let state = Mutex<(busy: Bool, result: (boxes: [Rect], frame: Int)?)>((false, nil))

    /// Scans with `detector`'s cascade and parameters on one thread: the frame thread keeps the rest.
    init(like detector: FaceDetector) {
        var parameters = detector.parameters
        parameters.threads = 1
        self.detector = FaceDetector(cascade: detector.cascade, parameters: parameters)
    }

    /// Starts scanning a copy of `image`, the caller's frame number `frame`, unless a scan is
    /// running; true when it started.
    func start(_ frame: GrayImage, frame number: Int) -> Bool {
        guard !state.withLock({ $0.busy }) else { return false }
        if image.width == frame.width && image.height == frame.height {
            image.pixels.withUnsafeMutableBufferPointer { dst in
                frame.pixels.withUnsafeBufferPointer { dst.baseAddress!.update(from: $0.baseAddress!, count: $0.count) }
            }
        } else {
            image = GrayImage(width: frame.width, height: frame.height, pixels: frame.pixels)
            image.pixels.withUnsafeMutableBufferPointer { _ in }   // own the buffer now, not at the scan's first read
        }
        state.withLock { $0.busy = true }
        queue.async { [self] in
            let found = detector.detect(image)
            state.withLock { $0 = (false, (found, number)) }
        }
        return true
    }

    /// The faces of the last finished scan (in the scanned image's pixels) and its frame number, once.
    func takeResult() -> (boxes: [Rect], frame: Int)? {
        state.withLock { s in
            defer { s.result = nil }
            return s.result
        }
    }

    /// Waits for a running scan to finish (tests, shutdown).
    func wait() { queue.sync {} }
}
