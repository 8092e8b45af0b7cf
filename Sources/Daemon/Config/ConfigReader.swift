/// Typed, strict access to a `TOMLDocument`: each read marks its key as known, range and type errors
/// name the key and line, and `finish()` rejects whatever was never read (unknown keys and tables).
struct ConfigReader {
    private var values: [String: (value: TOMLValue, line: Int, file: String)] = [:]
    private var tables: [String: Int] = [:]
    private var used: Set<String> = []
    private let file: String
    let knownTables: Set<String>

    init(document: TOMLDocument, file: String, overrides: [(key: String, value: TOMLValue)], knownTables: Set<String>) {
        self.file = file
        self.knownTables = knownTables
        for e in document.entries { values[e.path.joined(separator: ".")] = (e.value, e.line, file) }
        for t in document.tables { tables[t.path.joined(separator: ".")] = t.line }
        for o in overrides { values[o.key] = (o.value, 0, "--set") }
    }

    private func error(_ key: String, _ message: String) -> ConfigError {
        if let v = values[key] { return ConfigError(file: v.file, line: v.line == 0 ? nil : v.line, key: key, message) }
        return ConfigError(file: file, line: nil, key: key, message)
    }

    private mutating func raw(_ key: String) -> TOMLValue? {
        used.insert(key)
        return values[key]?.value
    }

    mutating func string(_ key: String, _ def: String) throws(ConfigError) -> String {
        guard let v = raw(key) else { return def }
        guard case .string(let s) = v else { throw error(key, "expected a string, got \(v.typeName) \(v.shortDescription)") }
        guard !s.utf8.contains(0) else { throw error(key, "NUL character in string") }
        return s
    }

    /// An optional string: absent or "" means nil.
    mutating func optionalString(_ key: String) throws(ConfigError) -> String? {
        let s = try string(key, "")
        return s.isEmpty ? nil : s
    }

    mutating func bool(_ key: String, _ def: Bool) throws(ConfigError) -> Bool {
        guard let v = raw(key) else { return def }
        guard case .bool(let b) = v else { throw error(key, "expected a boolean (true/false), got \(v.typeName) \(v.shortDescription)") }
        return b
    }

    mutating func int(_ key: String, _ def: Int, _ range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard let v = raw(key) else { return def }
        guard case .integer(let n) = v else { throw error(key, "expected an integer in \(range), got \(v.typeName) \(v.shortDescription)") }
        guard n >= Int64(range.lowerBound) && n <= Int64(range.upperBound) else { throw error(key, "expected an integer in \(range), got \(n)") }
        return Int(n)
    }

    /// A float; integers are accepted too (`interval = 5` means 5.0).
    mutating func double(_ key: String, _ def: Double, _ range: ClosedRange<Double>) throws(ConfigError) -> Double {
        guard let v = raw(key) else { return def }
        let d: Double
        switch v {
        case .float(let f): d = f
        case .integer(let n): d = Double(n)
        default: throw error(key, "expected a number in \(range), got \(v.typeName) \(v.shortDescription)")
        }
        guard d.isFinite && range.contains(d) else { throw error(key, "expected a number in \(range), got \(d)") }
        return d
    }

    mutating func choice(_ key: String, _ def: String, _ options: [String]) throws(ConfigError) -> String {
        let s = try string(key, def)
        guard options.contains(s) else { throw error(key, "expected one of \(options.map { "\"\($0)\"" }.joined(separator: ", ")), got \"\(s)\"") }
        return s
    }

    mutating func stringArray(_ key: String, _ def: [String]) throws(ConfigError) -> [String] {
        guard let v = raw(key) else { return def }
        guard case .array(let items) = v else { throw error(key, "expected an array of strings, got \(v.typeName)") }
        var out: [String] = []
        for item in items {
            guard case .string(let s) = item else { throw error(key, "expected an array of strings, found \(item.typeName) \(item.shortDescription)") }
            out.append(s)
        }
        return out
    }

    /// Checks a value that passed its type check against a further rule.
    func require(_ ok: Bool, _ key: String, _ message: String) throws(ConfigError) {
        if !ok { throw error(key, message) }
    }

    /// Rejects every key that no read asked for, and tables that are not part of the schema.
    func finish() throws(ConfigError) {
        for (t, line) in tables.sorted(by: { $0.value < $1.value }) where !knownTables.contains(t) {
            throw ConfigError(file: file, line: line, key: t, "unknown table [\(t)]; known: \(knownTables.sorted().joined(separator: ", "))")
        }
        let unknown = values.filter { !used.contains($0.key) }.sorted { ($0.value.line, $0.key) < ($1.value.line, $1.key) }
        if let (key, _) = unknown.first {
            let section = key.split(separator: ".").dropLast().joined(separator: ".")
            let siblings = used.filter { $0.split(separator: ".").dropLast().joined(separator: ".") == section }
                .map { String($0.split(separator: ".").last!) }.sorted()
            let hint = siblings.isEmpty ? "" : "; known keys here: \(siblings.joined(separator: ", "))"
            throw error(key, "unknown key\(hint)")
        }
    }
}
