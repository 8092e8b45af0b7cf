import Glibc

// Small text helpers that FoundationEssentials lacks; ferd avoids full Foundation (and its ICU)
// to stay small in memory.

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return String(s)
    }
}

extension Double {
    /// `String(format: "%.Nf", self)` without Foundation.
    func fixed(_ decimals: Int) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        let n = withVaList([self]) { vsnprintf(&buffer, buffer.count, "%.\(decimals)f", $0) }
        guard n >= 0 else { return "\(self)" }
        return String(decoding: buffer.prefix(min(Int(n), buffer.count - 1)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
