import Imaging

/// One face found in one frame: its box in frame pixels and the model's probability per class.
public struct FaceObservation: Sendable, Equatable {
    public var box: Rect
    public var probabilities: [Float]

    public init(box: Rect, probabilities: [Float]) {
        self.box = box
        self.probabilities = probabilities
    }
}
