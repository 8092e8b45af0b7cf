import FuzzSupport
import Imaging

// Any bytes must decode or throw, never crash.
runFuzzer { bytes in
    _ = try? JPEG.decodeGray(bytes, scaleDenominator: 2)
}
