#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits a byte stream into lines (LF or CRLF) without copying them: each line is a view into an
/// internal buffer, valid until the next call. Lines longer than `maxLineBytes` are an error, so a
/// file that is not line-structured cannot make the reader grow without bound.
public final class LineReader {
    /// The default limit: a FER-2013 row is at most 2304 * 4 + 20 bytes.
    public static let defaultMaxLineBytes = 1 << 20

    public let source: any ByteSource
    /// Physical number (1-based) of the line last returned.
    public private(set) var lineNumber = 0
    private let maxLineBytes: Int
    private var buffer: UnsafeMutableRawBufferPointer
    private var start = 0  // first byte of the next line
    private var scanned = 0  // bytes from start already known to hold no LF
    private var end = 0  // end of valid data
    private var ended = false

    public init(_ source: any ByteSource, chunkBytes: Int = 1 << 16, maxLineBytes: Int = LineReader.defaultMaxLineBytes) {
        self.source = source
        self.maxLineBytes = maxLineBytes
        buffer = .allocate(byteCount: max(16, min(chunkBytes, maxLineBytes + 1)), alignment: 16)
    }

    deinit { buffer.deallocate() }

    /// The next line without its terminator (and without a trailing CR), or nil at the end.
    public func nextLine() throws(DatasetError) -> UnsafeBufferPointer<UInt8>? {
        while true {
            let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)  // fill() may reallocate
            let from = start + scanned
            if from < end, let hit = memchr(base + from, 0x0A, end - from) {
                let lf = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                return take(base, upTo: lf, consumed: lf + 1)
            }
            scanned = end - start
            if scanned > maxLineBytes {
                throw DatasetError(.lineTooLong, file: source.name, line: lineNumber + 1,
                                   expected: "a line of at most \(maxLineBytes) bytes", found: "a longer one")
            }
            if ended {
                if start == end { return nil }
                return take(base, upTo: end, consumed: end)
            }
            try fill()
        }
    }

    private func take(_ base: UnsafeMutablePointer<UInt8>, upTo stop: Int, consumed: Int) -> UnsafeBufferPointer<UInt8> {
        var last = stop
        if last > start && base[last - 1] == 0x0D { last -= 1 }
        let line = UnsafeBufferPointer(start: base + start, count: last - start)
        start = consumed
        scanned = 0
        lineNumber += 1
        return line
    }

    /// Moves the partial line to the front, grows the buffer if the line fills it, then reads more.
    private func fill() throws(DatasetError) {
        if start > 0 {
            if end > start { buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + start, byteCount: end - start) }
            end -= start
            start = 0
        }
        if end == buffer.count {
            let grown = UnsafeMutableRawBufferPointer.allocate(byteCount: min(buffer.count * 2, maxLineBytes + 2), alignment: 16)
            grown.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: end)
            buffer.deallocate()
            buffer = grown
        }
        let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[end...]))
        if n == 0 { ended = true } else { end += n }
    }
}
