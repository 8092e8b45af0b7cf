import FoundationEssentials
import Glibc
import Logging
import Synchronization

/// The process-wide log level, changeable on reload.
public final class LogLevelBox: Sendable {
    private let raw: Atomic<Int>
    public init(_ level: Logger.Level) { raw = Atomic(Self.index(level)) }
    public var level: Logger.Level {
        get { Logger.Level.allCases[raw.load(ordering: .relaxed)] }
        set { raw.store(Self.index(newValue), ordering: .relaxed) }
    }
    private static func index(_ l: Logger.Level) -> Int { Logger.Level.allCases.firstIndex(of: l) ?? 2 }
    public static let shared = LogLevelBox(.info)
}

/// A swift-log handler for stderr. Under systemd (JOURNAL_STREAM names our stderr) each line starts
/// with a syslog priority `<N>` that journald turns into the entry's priority (sd-daemon(3));
/// otherwise lines carry a timestamp and the level name.
public struct JournalLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let journal: Bool
    private let levelBox: LogLevelBox

    public init(label: String, journal: Bool = JournalLogHandler.stderrIsJournal(), level: LogLevelBox = .shared) {
        self.label = label
        self.journal = journal
        self.levelBox = level
    }

    public var logLevel: Logger.Level {
        get { levelBox.level }
        set { levelBox.level = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// syslog priorities (RFC 5424): swift-log has no `alert`/`emerg`.
    public static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    /// True when JOURNAL_STREAM's `device:inode` is our stderr (systemd.exec(5), "JOURNAL_STREAM").
    public static func stderrIsJournal(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        guard let value = environment["JOURNAL_STREAM"] else { return false }
        let parts = value.split(separator: ":")
        guard parts.count == 2, let dev = UInt64(parts[0]), let ino = UInt64(parts[1]) else { return false }
        var st = stat()
        guard fstat(2, &st) == 0 else { return false }
        return UInt64(st.st_dev) == dev && UInt64(st.st_ino) == ino
    }

    public func log(event: LogEvent) {
        let level = event.level, message = event.message
        var all = metadata
        if let explicit = event.metadata { all.merge(explicit) { $1 } }
        let meta = all.isEmpty ? "" : " " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        var text: String
        if journal {
            text = "<\(Self.priority(level))>\(message)\(meta)"
        } else {
            let now = Date()
            text = "\(now.formatted(.iso8601)) \(level) \(label): \(message)\(meta)"
        }
        text = text.replacing("\n", with: " ") + "\n"   // one journal entry per message
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { buf in
            var off = 0
            while off < buf.count {
                let n = write(2, buf.baseAddress! + off, buf.count - off)
                if n <= 0 { if errno == EINTR { continue } else { return } }
                off += n
            }
        }
    }
}
