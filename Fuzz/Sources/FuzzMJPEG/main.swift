import FuzzSupport
import Capture

// Every frame the splitter returns lies inside the input and runs SOI..EOI; nothing traps.
runFuzzer { bytes in
    let result = MJPEGSplitter.split(bytes)
    for frame in result.frames {
        precondition(frame.lowerBound >= 0 && frame.upperBound <= bytes.count, "frame out of bounds")
        precondition(frame.count >= 4 && bytes[frame.lowerBound] == 0xFF && bytes[frame.lowerBound + 1] == 0xD8, "no SOI")
        precondition(bytes[frame.upperBound - 2] == 0xFF && bytes[frame.upperBound - 1] == 0xD9, "no EOI")
    }
}
