import Foundation

/// A progress line on stderr: rewritten in place with \r on a terminal, else one line every
/// `interval` seconds (logs stay readable under systemd or redirection).
public final class ProgressReporter {
    private let isTerminal = isatty(2) != 0
    private var lastLine = 0.0
    private let interval: Double

    public init(interval: Double = 30) { self.interval = interval }

    public func update(_ p: StepProgress) {
        let now = Date().timeIntervalSince1970
        let done = p.seen == p.total
        guard isTerminal || done || now - lastLine >= interval else { return }
        lastLine = now
        let width = 24
        let filled = p.total > 0 ? width * p.seen / p.total : width
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let line = String(format: "epoch %d/%d [%@] %d/%d loss %.4f acc %.4f %.1f img/s", p.epoch, p.epochs, bar,
                          p.seen, p.total, p.loss, p.accuracy, p.imagesPerSecond)
        write(isTerminal ? "\r" + line + (done ? "\n" : "") : line + "\n")
    }

    public func message(_ s: String) { write(s + "\n") }

    private func write(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }
}
