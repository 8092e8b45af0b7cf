import CZlib
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A stream of bytes read in chunks: a file, bytes in memory, or a gzip stream over either.
public protocol ByteSource: AnyObject {
    /// The name used in error messages.
    var name: String { get }
    /// Reads up to `buffer.count` bytes into `buffer`; 0 means the end of the stream.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(DatasetError) -> Int
}

/// Opens `path` for streaming; a file that starts with the gzip magic (1f 8b) is inflated on the fly.
public func openByteSource(path: String) throws(DatasetError) -> any ByteSource {
    let file = try FileByteSource(path: path)
    var magic: (UInt8, UInt8) = (0, 0)
    let n = withUnsafeMutableBytes(of: &magic) { pread(file.fd, $0.baseAddress, 2, 0) }
    return n == 2 && magic == (0x1f, 0x8b) ? try GzipByteSource(file) : file
}

/// Opens bytes already in memory (tests, fuzzing); gzip bytes are detected as for files.
public func openByteSource(bytes: [UInt8], name: String) throws(DatasetError) -> any ByteSource {
    let memory = MemoryByteSource(bytes, name: name)
    return bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b ? try GzipByteSource(memory) : memory
}

/// A file read with POSIX `read`, closed when released.
public final class FileByteSource: ByteSource {
    public let name: String
    let fd: Int32

    public init(path: String) throws(DatasetError) {
        name = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DatasetError(.io, file: path, expected: "a readable file", found: errnoText()) }
    }

    deinit { close(fd) }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(DatasetError) -> Int {
        while true {
            let n = posixRead(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw DatasetError(.io, file: name, expected: "a readable file", found: errnoText())
        }
    }
}

/// Bytes in memory.
public final class MemoryByteSource: ByteSource {
    public let name: String
    private let bytes: [UInt8]
    private var position = 0

    public init(_ bytes: [UInt8], name: String) {
        self.bytes = bytes
        self.name = name
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(DatasetError) -> Int {
        let n = min(buffer.count, bytes.count - position)
        if n > 0 {
            bytes.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + position, byteCount: n) }
        }
        position += n
        return n
    }
}

/// Inflates a gzip stream (RFC 1952; several members allowed, as `gzip -d` does) with zlib; a
/// zlib-wrapped stream (RFC 1950, e.g. a PNG IDAT) is accepted too.
public final class GzipByteSource: ByteSource {
    public var name: String { inner.name }
    private let inner: any ByteSource
    // zlib checks that z_stream never moves (inflateStateCheck), so it lives on the heap.
    private let stream: UnsafeMutablePointer<z_stream>
    private let input: UnsafeMutableRawBufferPointer
    private var innerEnded = false
    private var memberEnded = false
    private var finished = false

    public init(_ inner: any ByteSource, inputChunk: Int = 1 << 16) throws(DatasetError) {
        self.inner = inner
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        input = .allocate(byteCount: inputChunk, alignment: 16)
        guard czlib_inflate_init_auto(stream) == Z_OK else {
            stream.deallocate()
            input.deallocate()
            throw DatasetError(.gzip, file: inner.name, expected: "zlib to initialise", found: "inflateInit2 failed")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
        input.deallocate()
    }

    /// Refills zlib's input from the inner source; false at the inner stream's end.
    private func refill() throws(DatasetError) -> Bool {
        if innerEnded { return false }
        let n = try inner.read(into: input)
        if n == 0 { innerEnded = true; return false }
        stream.pointee.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_in = uInt(n)
        return true
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(DatasetError) -> Int {
        if finished || buffer.count == 0 { return 0 }
        stream.pointee.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = uInt(min(buffer.count, Int(UInt32.max)))
        let capacity = Int(stream.pointee.avail_out)
        while stream.pointee.avail_out > 0 {
            if stream.pointee.avail_in == 0 {
                let more = try refill()
                if !more {
                    if memberEnded { finished = true; break }
                    throw DatasetError(.gzip, file: name, expected: "a complete gzip stream", found: "end of file inside compressed data (truncated?)")
                }
            }
            if memberEnded {
                // Another gzip member follows (concatenated .gz files are valid gzip).
                inflateReset(stream)
                memberEnded = false
            }
            let rc = inflate(stream, Z_NO_FLUSH)
            switch rc {
            case Z_OK:
                continue
            case Z_BUF_ERROR where stream.pointee.avail_in == 0:
                continue  // needs more input: refilled at the top of the loop
            case Z_STREAM_END:
                memberEnded = true
            default:
                let message = stream.pointee.msg.map { String(cString: $0) } ?? "zlib error \(rc)"
                throw DatasetError(.gzip, file: name, expected: "valid gzip data", found: message)
            }
        }
        return capacity - Int(stream.pointee.avail_out)
    }
}

#if canImport(Glibc)
let posixRead = Glibc.read
#elseif canImport(Darwin)
let posixRead = Darwin.read
#endif

func errnoText() -> String { String(cString: strerror(errno)) }
