import FuzzSupport
import Dataset

// Any bytes must load or throw a DatasetError, never crash, hang or read out of bounds. The input
// is split at its first NUL into the fer2013.csv and fer2013new.csv parts of a pair (either may be
// gzip); each reader also runs alone over the whole input, and the cache decoder sees it too.
runFuzzer { bytes in
    let cut = bytes.firstIndex(of: 0) ?? bytes.count
    let pixelsPart = Array(bytes[..<cut])
    let votesPart = cut < bytes.count ? Array(bytes[(cut + 1)...]) : []
    let mode = LabelMode.allCases[bytes.count % LabelMode.allCases.count]
    if let a = try? openByteSource(bytes: pixelsPart, name: "fer2013.csv"),
       let b = try? openByteSource(bytes: votesPart, name: "fer2013new.csv") {
        _ = try? FERPlusLoader.load(fer2013: a, ferplus: b, labels: mode)
    }
    if let source = try? openByteSource(bytes: bytes, name: "votes"), let reader = try? FERPlusReader(source) {
        while (try? reader.next()) != nil {}
    }
    if let source = try? openByteSource(bytes: bytes, name: "pixels"), let reader = try? FER2013Reader(source) {
        var pixels = [UInt8](repeating: 0, count: FER2013Reader.pixelCount)
        while (try? pixels.withUnsafeMutableBufferPointer { try reader.next(pixels: $0) }) != nil {}
    }
    _ = try? DatasetCache.decode(bytes, file: "cache")
}
