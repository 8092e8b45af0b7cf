/// A small, bounds-checked XML reader for OpenCV's FileStorage XML: elements, attributes, text,
/// comments and the `<?xml ?>` declaration. No DTDs, no CDATA, no namespaces. Foundation's
/// XMLParser is not used: it is missing from swift-corelibs-foundation without FoundationXML and
/// builds a callback stream we would only turn back into this tree.
struct XMLTree {
    /// One element; children form a singly linked list (firstChild/nextSibling, -1 = none).
    struct Element {
        var nameStart: Int
        var nameEnd: Int
        var contentStart: Int
        var contentEnd: Int
        var firstChild: Int32 = -1
        var nextSibling: Int32 = -1
        var attributes: [(name: String, value: String)] = []
    }

    let bytes: [UInt8]
    private(set) var elements: [Element] = []
    /// Index of the document element (the single top-level element).
    private(set) var root = 0

    static let maxDepth = 128

    init(bytes: [UInt8]) throws(CascadeError) {
        self.bytes = bytes
        try parse()
    }

    // MARK: - Queries

    func name(_ e: Int) -> String {
        String(decoding: bytes[elements[e].nameStart..<elements[e].nameEnd], as: UTF8.self)
    }

    func nameEquals(_ e: Int, _ s: StaticString) -> Bool {
        let el = elements[e]
        guard el.nameEnd - el.nameStart == s.utf8CodeUnitCount else { return false }
        return s.withUTF8Buffer { buf in
            for i in 0..<buf.count where buf[i] != bytes[el.nameStart + i] { return false }
            return true
        }
    }

    func children(_ e: Int) -> [Int] {
        var out: [Int] = []
        var c = elements[e].firstChild
        while c >= 0 {
            out.append(Int(c))
            c = elements[Int(c)].nextSibling
        }
        return out
    }

    func child(_ e: Int, named s: StaticString) -> Int? {
        var c = elements[e].firstChild
        while c >= 0 {
            if nameEquals(Int(c), s) { return Int(c) }
            c = elements[Int(c)].nextSibling
        }
        return nil
    }

    func attribute(_ e: Int, _ name: String) -> String? {
        elements[e].attributes.first { $0.name == name }?.value
    }

    /// 1-based line of a byte offset, for error messages.
    func line(at offset: Int) -> Int {
        var n = 1
        for i in 0..<min(offset, bytes.count) where bytes[i] == UInt8(ascii: "\n") { n += 1 }
        return n
    }

    func line(of e: Int) -> Int { line(at: elements[e].nameStart) }

    /// The whitespace-separated tokens of an element's character data (comments skipped).
    func tokens(_ e: Int) -> [Substring] {
        let el = elements[e]
        var out: [Substring] = []
        var i = el.contentStart
        let end = el.contentEnd
        while i < end {
            let b = bytes[i]
            if b == UInt8(ascii: "<") {
                // Inside a leaf's content only comments can start with '<' (children are
                // not tokenized: callers ask for tokens of leaves).
                if let close = find("-->", from: i, to: end) { i = close + 3 } else { i = end }
                continue
            }
            if isSpace(b) { i += 1; continue }
            var j = i
            while j < end && !isSpace(bytes[j]) && bytes[j] != UInt8(ascii: "<") { j += 1 }
            out.append(Substring(String(decoding: bytes[i..<j], as: UTF8.self)))
            i = j
        }
        return out
    }

    /// The trimmed character data of a leaf element.
    func text(_ e: Int) -> String { tokens(e).joined(separator: " ") }

    // MARK: - Parsing

    private func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    private func isNameByte(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39)
            || b == UInt8(ascii: "_") || b == UInt8(ascii: "-") || b == UInt8(ascii: ".") || b == UInt8(ascii: ":")
            || b >= 0x80
    }

    private func find(_ s: StaticString, from: Int, to end: Int) -> Int? {
        s.withUTF8Buffer { pat -> Int? in
            guard pat.count > 0, end - from >= pat.count else { return nil }
            var i = from
            while i + pat.count <= end {
                if bytes[i] == pat[0] {
                    var ok = true
                    for k in 1..<pat.count where bytes[i + k] != pat[k] { ok = false; break }
                    if ok { return i }
                }
                i += 1
            }
            return nil
        }
    }

    private func hasPrefix(_ s: StaticString, at i: Int) -> Bool {
        s.withUTF8Buffer { pat in
            guard i + pat.count <= bytes.count else { return false }
            for k in 0..<pat.count where bytes[i + k] != pat[k] { return false }
            return true
        }
    }

    private func malformed(_ offset: Int, _ expected: String) -> CascadeError {
        .malformedXML(line: line(at: offset), expected: expected)
    }

    private mutating func parse() throws(CascadeError) {
        let n = bytes.count
        var i = 0
        if hasPrefix("\u{FEFF}", at: 0) { i = 3 }
        var stack: [Int] = []
        var lastChild: [Int32] = []  // last child of each open element, for O(1) linking
        var haveRoot = false
        while i < n {
            let b = bytes[i]
            if b != UInt8(ascii: "<") {
                if stack.isEmpty && !isSpace(b) { throw malformed(i, "'<' (text outside the root element)") }
                i += 1
                continue
            }
            if hasPrefix("<?", at: i) {
                guard let e = find("?>", from: i + 2, to: n) else { throw malformed(i, "'?>' closing the declaration") }
                i = e + 2
            } else if hasPrefix("<!--", at: i) {
                guard let e = find("-->", from: i + 4, to: n) else { throw malformed(i, "'-->' closing the comment") }
                i = e + 3
            } else if hasPrefix("<!", at: i) {
                throw malformed(i, "an element (DOCTYPE and CDATA are not supported)")
            } else if hasPrefix("</", at: i) {
                var j = i + 2
                let ns = j
                while j < n && isNameByte(bytes[j]) { j += 1 }
                guard let open = stack.last else { throw malformed(i, "no closing tag (nothing is open)") }
                let el = elements[open]
                let closeName = bytes[ns..<j]
                guard closeName.elementsEqual(bytes[el.nameStart..<el.nameEnd]) else {
                    throw malformed(i, "</\(name(open))> closing <\(name(open))>")
                }
                while j < n && isSpace(bytes[j]) { j += 1 }
                guard j < n && bytes[j] == UInt8(ascii: ">") else { throw malformed(j, "'>' ending the closing tag") }
                elements[open].contentEnd = i
                stack.removeLast()
                lastChild.removeLast()
                i = j + 1
            } else {
                var j = i + 1
                let ns = j
                while j < n && isNameByte(bytes[j]) { j += 1 }
                guard j > ns else { throw malformed(i, "an element name after '<'") }
                let ne = j
                var attributes: [(name: String, value: String)] = []
                var selfClosing = false
                while true {
                    while j < n && isSpace(bytes[j]) { j += 1 }
                    guard j < n else { throw malformed(i, "'>' ending the start tag") }
                    if bytes[j] == UInt8(ascii: ">") { j += 1; break }
                    if bytes[j] == UInt8(ascii: "/") {
                        guard j + 1 < n && bytes[j + 1] == UInt8(ascii: ">") else { throw malformed(j, "'/>'") }
                        selfClosing = true
                        j += 2
                        break
                    }
                    let an = j
                    while j < n && isNameByte(bytes[j]) { j += 1 }
                    guard j > an else { throw malformed(j, "an attribute name") }
                    let aname = String(decoding: bytes[an..<j], as: UTF8.self)
                    while j < n && isSpace(bytes[j]) { j += 1 }
                    guard j < n && bytes[j] == UInt8(ascii: "=") else { throw malformed(j, "'=' after attribute \(aname)") }
                    j += 1
                    while j < n && isSpace(bytes[j]) { j += 1 }
                    guard j < n && (bytes[j] == UInt8(ascii: "\"") || bytes[j] == UInt8(ascii: "'")) else {
                        throw malformed(j, "a quoted value for attribute \(aname)")
                    }
                    let q = bytes[j]
                    let vs = j + 1
                    j = vs
                    while j < n && bytes[j] != q { j += 1 }
                    guard j < n else { throw malformed(vs, "closing quote of attribute \(aname)") }
                    attributes.append((aname, String(decoding: bytes[vs..<j], as: UTF8.self)))
                    j += 1
                }
                if stack.isEmpty {
                    guard !haveRoot else { throw malformed(i, "a single root element") }
                    haveRoot = true
                }
                guard stack.count < XMLTree.maxDepth else { throw malformed(i, "nesting depth <= \(XMLTree.maxDepth)") }
                let idx = elements.count
                elements.append(Element(nameStart: ns, nameEnd: ne, contentStart: j, contentEnd: j, attributes: attributes))
                if let parent = stack.last {
                    let prev = lastChild[lastChild.count - 1]
                    if prev >= 0 { elements[Int(prev)].nextSibling = Int32(idx) } else { elements[parent].firstChild = Int32(idx) }
                    lastChild[lastChild.count - 1] = Int32(idx)
                } else {
                    root = idx
                }
                if !selfClosing {
                    stack.append(idx)
                    lastChild.append(-1)
                }
                i = j
            }
        }
        if let open = stack.last { throw malformed(n, "</\(name(open))> before the end of the file") }
        guard haveRoot else { throw malformed(n, "a root element") }
    }
}
