import Glibc

/// A C `errno` value with its symbolic name and libc's text, e.g. `ENODEV (No such device)`.
public struct Errno: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: Int32

    public init(_ code: Int32) { self.code = code }

    /// The calling thread's current `errno`.
    static var current: Errno { Errno(errno) }

    public static let interrupted = Errno(EINTR)
    public static let wouldBlock = Errno(EAGAIN)
    public static let noDevice = Errno(ENODEV)
    public static let noEntry = Errno(ENOENT)
    public static let io = Errno(EIO)
    public static let noSuchDeviceOrAddress = Errno(ENXIO)

    /// The symbolic name for the codes capture cares about, else `errno N`.
    public var name: String {
        switch code {
        case EINTR: "EINTR"
        case EAGAIN: "EAGAIN"
        case ENODEV: "ENODEV"
        case ENOENT: "ENOENT"
        case ENXIO: "ENXIO"
        case EIO: "EIO"
        case EINVAL: "EINVAL"
        case EBUSY: "EBUSY"
        case EACCES: "EACCES"
        case EPERM: "EPERM"
        case ENOMEM: "ENOMEM"
        case ENOTTY: "ENOTTY"
        case EPIPE: "EPIPE"
        default: "errno \(code)"
        }
    }

    public var description: String { "\(name) (\(String(cString: strerror(code))))" }
}
