import TestSupport
import Daemon
import Foundation
import Testing

/// The strict TOML subset parser and the validation of ferd's configuration.
@Suite struct ConfigTests {
    static var repoRoot: URL { URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent() }
    static let env = ["FERD_HOSTNAME": "testhost"]

    static func decode(_ text: String) throws(ConfigError) -> FerdConfig {
        try ConfigLoader.decode(try TOMLParser.parse(text, file: "t.toml"), file: "t.toml", environment: env)
    }

    @Test func shippedConfigDocumentsTheDefaults() throws {
        let path = Self.repoRoot.appendingPathComponent("config/ferd.toml").path
        let shipped = try ConfigLoader.load(path: path, overrides: [], environment: Self.env)
        let defaults = try Self.decode("")
        #expect(shipped == defaults)
        #expect(defaults.mqtt.clientID == "ferd-testhost-cam0" && defaults.device == "testhost")
        #expect(defaults.mqtt.qos == 1 && defaults.mqtt.protocolVersion == .v5 && defaults.mqtt.queuePolicy == .dropOldest)
    }

    @Test func parserReadsTheSubset() throws {
        let doc = try TOMLParser.parse("""
            # comment
            top = 'lit\\eral'   # trailing comment
            [a.b]
            s = "tab\\t \\"q\\" \\u00e9"
            n = -1_000
            h = 0xff
            f = 6.5e-1
            inf = -inf
            arr = [
              1, 2, # inside
              [true, false],
            ]
            "quoted key".x = 1
            """, file: "p.toml")
        let byKey = Dictionary(uniqueKeysWithValues: doc.entries.map { ($0.path.joined(separator: "."), ($0.value, $0.line)) })
        #expect(byKey["top"]?.0 == .string("lit\\eral") && byKey["top"]?.1 == 2)
        #expect(byKey["a.b.s"]?.0 == .string("tab\t \"q\" é") && byKey["a.b.s"]?.1 == 4)
        #expect(byKey["a.b.n"]?.0 == .integer(-1000) && byKey["a.b.h"]?.0 == .integer(255))
        #expect(byKey["a.b.f"]?.0 == .float(0.65) && byKey["a.b.inf"]?.0 == .float(-.infinity))
        #expect(byKey["a.b.arr"]?.0 == .array([.integer(1), .integer(2), .array([.bool(true), .bool(false)])]) && byKey["a.b.arr"]?.1 == 9)
        #expect(byKey["a.b.quoted key.x"]?.1 == 13)
        #expect(doc.tables.map(\.line) == [3])
    }

    /// Each malformed file must fail with the right line, key and reason.
    @Test(arguments: [
        ("[mqtt]\nhots = \"x\"\n", 2, "mqtt.hots", "unknown key; known keys here: client_id, device, enabled, host, keepalive, max_inflight, message_expiry, password_credential, password_file, port, protocol, qos, queue_policy, queue_size, reconnect_max_seconds, reconnect_min_seconds, topic_prefix, username"),
        ("[mqtt]\nport = \"1883\"\n", 2, "mqtt.port", "expected an integer in 1...65535, got a string \"1883\""),
        ("\n\n[mqtt]\nport = 70000\n", 4, "mqtt.port", "expected an integer in 1...65535, got 70000"),
        ("[mqt]\nport = 1\n", 1, "mqt", "unknown table [mqt]; known: camera, detector, homeassistant, logging, model, mqtt, mqtt.tls, stats, tracker"),
        ("[camera]\nfps = 5\nfps = 6\n", 3, "camera.fps", "key defined twice (first at line 2)"),
        ("[camera]\nname = \"cam\n", 2, nil, "unterminated string (newline inside)"),
        ("[camera]\nname \"x\"\n", 2, nil, "expected '=' after the key"),
        ("[mqtt]\nhost = broker\n", 2, nil, "expected a value, found 'broker' (strings need quotes)"),
        ("[mqtt]\nqueue_policy = \"drop_all\"\n", 2, "mqtt.queue_policy", "expected one of \"drop_oldest\", \"drop_newest\", got \"drop_all\""),
        ("[tracker]\nema_alpha = 0\n", 2, "tracker.ema_alpha", "expected a number in 0.01...1.0, got 0.0"),
        ("[tracker]\nmin_hits = 2.5\n", 2, "tracker.min_hits", "expected an integer in 1...1000, got a float 2.5"),
        ("[mqtt]\nreconnect_min_seconds = 10\nreconnect_max_seconds = 5\n", 3, "mqtt.reconnect_max_seconds", "must be ≥ mqtt.reconnect_min_seconds (10)"),
        ("[mqtt.tls]\nenabled = true\n", 2, "mqtt.tls.enabled", "TLS needs mqtt.tls.ca_file or mqtt.tls.ca_path"),
        ("[mqtt.tls]\nenabled = true\nca_file = \"/nonexistent/ca.pem\"\n", 3, "mqtt.tls.ca_file", "cannot read /nonexistent/ca.pem"),
        ("[mqtt]\npassword_file = \"/etc/hostname\"\n", 2, "mqtt.password_file", "needs mqtt.username"),
        ("[camera]\nname = \"a/b\"\n", 2, "camera.name", "must be 1+ characters of [a-zA-Z0-9_-]"),
        ("[camera]\nsize = { w = 1 }\n", 2, nil, "inline tables ({...}) are not supported; use a [table]"),
        ("[camera]\nwhen = 2024-01-01\n", 2, nil, "dates and times are not supported"),
        ("[[camera]]\n", 1, nil, "arrays of tables ([[...]]) are not supported"),
        ("[camera]\nfps = 5 6\n", 2, nil, "unexpected '6' after the value (one key = value per line)"),
        ("[stats]\ninterval = 0.5\n", 2, "stats.interval", "must be 0 (off) or ≥ 1 second"),
        ("camera = 1\n[camera]\n", 2, "camera", "already a value (line 1), cannot be a table"),
        ("[logging]\nlevel = true\n", 2, "logging.level", "expected a string, got a boolean true"),
    ] as [(String, Int, String?, String)])
    func malformedConfigIsRejected(text: String, line: Int, key: String?, message: String) {
        #expect(throws: ConfigError(file: "t.toml", line: line, key: key, message)) { try Self.decode(text) }
    }

    @Test func invalidUTF8IsRejected() {
        #expect(throws: ConfigError(file: "b.toml", line: 1, key: nil, "file is not valid UTF-8")) {
            try TOMLParser.parse([0x61, 0x3D, 0x22, 0xFF, 0x22], file: "b.toml")
        }
    }

    @Test func commandLineOverridesApplyAndAreValidated() throws {
        let dir = try makeTempDir("config")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("f.toml").path
        try "[mqtt]\nport = 1884\n".write(toFile: file, atomically: true, encoding: .utf8)
        let c = try ConfigLoader.load(path: file, overrides: ["mqtt.port=1999", "mqtt.host=broker.lan", "tracker.smoothing=median"], environment: Self.env)
        #expect(c.mqtt.port == 1999 && c.mqtt.host == "broker.lan" && c.tracker.smoothing == .median(window: 5))
        #expect(throws: ConfigError(file: "--set", line: nil, key: "mqtt.port", "expected an integer in 1...65535, got 0")) {
            try ConfigLoader.load(path: file, overrides: ["mqtt.port=0"], environment: Self.env)
        }
        #expect(throws: ConfigError(file: "--set", line: nil, key: "mqtt.password", "unknown key; known keys here: client_id, device, enabled, host, keepalive, max_inflight, message_expiry, password_credential, password_file, port, protocol, qos, queue_policy, queue_size, reconnect_max_seconds, reconnect_min_seconds, topic_prefix, username")) {
            try ConfigLoader.load(path: file, overrides: ["mqtt.password=hunter2"], environment: Self.env)
        }
        #expect(throws: ConfigError(file: "--set", line: nil, key: nil, "expected section.key=value, got \"port\"")) {
            try ConfigLoader.load(path: file, overrides: ["port"], environment: Self.env)
        }
        #expect(throws: ConfigError.self) { try ConfigLoader.load(path: dir.appendingPathComponent("missing.toml").path, overrides: [], environment: Self.env) }
    }

    @Test func passwordComesFromAFileOrASystemdCredential() throws {
        let dir = try makeTempDir("creds")
        defer { try? FileManager.default.removeItem(at: dir) }
        try "s3cret\n".write(to: dir.appendingPathComponent("mqtt_password"), atomically: true, encoding: .utf8)
        var env = Self.env
        env["CREDENTIALS_DIRECTORY"] = dir.path
        let viaCredential = try ConfigLoader.decode(try TOMLParser.parse("[mqtt]\nusername = \"ferd\"\n", file: "t"), file: "t", environment: env)
        #expect(viaCredential.mqtt.username == "ferd" && viaCredential.mqtt.password == "s3cret")
        let pwFile = dir.appendingPathComponent("mqtt_password").path
        let viaFile = try Self.decode("[mqtt]\nusername = \"u\"\npassword_file = \"\(pwFile)\"\n")
        #expect(viaFile.mqtt.password == "s3cret")
    }
}
