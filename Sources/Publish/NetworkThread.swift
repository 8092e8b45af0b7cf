import Glibc
import Synchronization

/// A named POSIX thread running one closure, with a flag for "has it returned". Foundation's
/// `Thread` would pull libFoundation and ICU (~7 MB resident) into ferd for this alone.
final class NetworkThread: Sendable {
    private let finished = Atomic<Bool>(false)
    private let body: @Sendable () -> Void
    private let name: String

    init(name: String, _ body: @escaping @Sendable () -> Void) {
        self.name = name
        self.body = body
    }

    /// Starts the thread (detached: `isFinished` is how callers wait for it).
    func start() {
        let box = Unmanaged.passRetained(self).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        var id = pthread_t()
        let rc = pthread_create(&id, &attributes, { raw in
            let thread = Unmanaged<NetworkThread>.fromOpaque(raw!).takeRetainedValue()
            thread.setName()
            thread.body()
            thread.finished.store(true, ordering: .releasing)
            return nil
        }, box)
        pthread_attr_destroy(&attributes)
        if rc != 0 {   // no thread: run nothing, but never leave a caller waiting for it
            Unmanaged<NetworkThread>.fromOpaque(box).release()
            finished.store(true, ordering: .releasing)
        }
    }

    /// Names the calling thread (shown by `top -H`, in core dumps). pthread_setname_np is a GNU
    /// extension the Glibc module does not import, hence the run-time lookup.
    private func setName() {
        typealias SetName = @convention(c) (pthread_t, UnsafePointer<CChar>) -> Int32
        guard let symbol = dlsym(nil, "pthread_setname_np") else { return }
        _ = name.prefix(15).withCString { unsafeBitCast(symbol, to: SetName.self)(pthread_self(), $0) }
    }

    var isFinished: Bool { finished.load(ordering: .acquiring) }

    static func sleep(_ seconds: Double) {
        var left = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
        var rest = timespec()
        while nanosleep(&left, &rest) != 0 && errno == EINTR { left = rest }
    }
}
