/// A small JSON writer with a fixed key order, so payloads are stable and readable on `mosquitto_sub`.
public struct JSONWriter: Sendable {
    public private(set) var text = ""
    private var needsComma = [false]

    public init() {}

    private mutating func separator() {
        if needsComma[needsComma.count - 1] { text += "," }
        needsComma[needsComma.count - 1] = true
    }

    private mutating func key(_ k: String?) {
        separator()
        if let k { Self.appendString(k, to: &text); text += ":" }
    }

    public mutating func beginObject(_ k: String? = nil) { key(k); text += "{"; needsComma.append(false) }
    public mutating func endObject() { needsComma.removeLast(); text += "}" }
    public mutating func beginArray(_ k: String? = nil) { key(k); text += "["; needsComma.append(false) }
    public mutating func endArray() { needsComma.removeLast(); text += "]" }

    public mutating func string(_ k: String?, _ v: String?) {
        key(k)
        if let v { Self.appendString(v, to: &text) } else { text += "null" }
    }
    public mutating func int(_ k: String?, _ v: Int) { key(k); text += String(v) }
    public mutating func bool(_ k: String?, _ v: Bool) { key(k); text += v ? "true" : "false" }
    /// Non-finite numbers have no JSON form and become null.
    public mutating func number(_ k: String?, _ v: Double) { key(k); text += v.isFinite ? Self.shortest(v) : "null" }
    public mutating func number(_ k: String?, _ v: Float) { key(k); text += v.isFinite ? Self.shortest(Double(v), float: v) : "null" }

    private static func shortest(_ v: Double, float: Float? = nil) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return float.map { "\($0)" } ?? "\(v)"
    }

    /// RFC 8259 section 7 escaping.
    static func appendString(_ s: String, to out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20:
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(u)
            }
        }
        out += "\""
    }
}
