import TestSupport
import Daemon
import Foundation
import Logging
import Publish
import Testing

/// TLS with a test CA made by the openssl CLI, client certificates, and password auth (mosquitto_passwd).
@Suite(.serialized) struct TLSTests {
    /// Runs a command line tool and fails the test with its output when it fails.
    static func run(_ tool: String, _ args: [String], in dir: URL) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        p.currentDirectoryURL = dir
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw ConfigError(file: tool, line: nil, key: nil, "\(args.joined(separator: " ")) failed: \(text)") }
    }

    /// CA, a server certificate for DNS:localhost and a client certificate, all P-256.
    static func makePKI(_ dir: URL) throws {
        let openssl = "/usr/bin/openssl"
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try run(openssl, ["req", "-x509"] + ec + ["-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=EdgeFER test CA"], in: dir)
        try "subjectAltName=DNS:localhost\n".write(to: dir.appendingPathComponent("server.ext"), atomically: true, encoding: .utf8)
        for (name, subject, ext) in [("server", "/CN=localhost", ["-extfile", "server.ext"]), ("client", "/CN=ferd", [])] {
            try run(openssl, ["req"] + ec + ["-keyout", "\(name).key", "-out", "\(name).csr", "-subj", subject], in: dir)
            try run(openssl, ["x509", "-req", "-in", "\(name).csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                              "-out", "\(name).crt", "-days", "2"] + ext, in: dir)
        }
        try run("/usr/bin/mosquitto_passwd", ["-b", "-c", "passwd", "ferd", "s3cret"], in: dir)
        try "s3cret\n".write(to: dir.appendingPathComponent("mqtt_password"), atomically: true, encoding: .utf8)
        // the broker drops root for user mosquitto, which must read its key and password file (test files only)
        for f in try FileManager.default.contentsOfDirectory(atPath: dir.path) { chmod(dir.appendingPathComponent(f).path, 0o644) }
        chmod(dir.path, 0o755)
    }

    static func settings(_ dir: URL, port: Int, host: String, password: String, insecure: Bool = false) throws -> MQTTSettings {
        let pwFile = dir.appendingPathComponent(password == "s3cret" ? "mqtt_password" : "wrong_password")
        try "\(password)\n".write(to: pwFile, atomically: true, encoding: .utf8)
        let toml = """
            [mqtt]
            host = "\(host)"
            port = \(port)
            username = "ferd"
            password_file = "\(pwFile.path)"
            reconnect_max_seconds = 1
            [mqtt.tls]
            enabled = true
            ca_file = "\(dir.appendingPathComponent("ca.crt").path)"
            cert_file = "\(dir.appendingPathComponent("client.crt").path)"
            key_file = "\(dir.appendingPathComponent("client.key").path)"
            insecure = \(insecure)
            """
        return try ConfigLoader.decode(try TOMLParser.parse(toml, file: "tls.toml"), file: "tls.toml", environment: ["FERD_HOSTNAME": "tls"]).mqtt
    }

    @Test func tlsWithClientCertificateAndPassword() throws {
        let dir = try makeTempDir("tls")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.makePKI(dir)
        let broker = try TestBroker(listenerConfig: """
            cafile \(dir.appendingPathComponent("ca.crt").path)
            certfile \(dir.appendingPathComponent("server.crt").path)
            keyfile \(dir.appendingPathComponent("server.key").path)
            require_certificate true
            password_file \(dir.appendingPathComponent("passwd").path)
            allow_anonymous false
            """)
        let clientTLS = (ca: dir.appendingPathComponent("ca.crt").path, cert: Optional(dir.appendingPathComponent("client.crt").path),
                         key: Optional(dir.appendingPathComponent("client.key").path))
        let sub = try TestSubscriber(port: broker.port, topics: ["edgefer/#"], host: "localhost", tls: clientTLS, user: ("ferd", "s3cret"))
        let logger = Logger(label: "tls")
        let topics = Topics(prefix: "edgefer", device: "tls", camera: "cam0")
        func client(_ s: MQTTSettings) throws -> MQTTClient {
            let c = try MQTTClient(settings: s, will: EventPublisher.will(topics), logger: logger)
            c.setState(topic: topics.availability, payload: "online")
            c.start()
            return c
        }

        let good = try client(try Self.settings(dir, port: broker.port, host: "localhost", password: "s3cret"))
        #expect(waitFor(5) { good.stats.connected })
        good.enqueue(OutboundMessage(topic: topics.events, payload: Array("{\"schema\":1}".utf8)))
        #expect(waitFor(5) { sub.messages(on: topics.events).count == 1 })
        good.stop(finalStates: [(topics.availability, "offline")], timeout: 2)

        // wrong password: refused by the broker
        let wrongPassword = try client(try Self.settings(dir, port: broker.port, host: "localhost", password: "nope"))
        // the server certificate names localhost only: 127.0.0.1 fails the hostname check...
        let wrongHost = try client(try Self.settings(dir, port: broker.port, host: "127.0.0.1", password: "s3cret"))
        // ...unless the check is explicitly turned off
        let insecure = try client(try Self.settings(dir, port: broker.port, host: "127.0.0.1", password: "s3cret", insecure: true))
        #expect(waitFor(5) { insecure.stats.connected })
        usleep(1_500_000)   // more than one reconnect period for the two that must fail
        #expect(!wrongPassword.stats.connected && !wrongHost.stats.connected)
        for c in [wrongPassword, wrongHost, insecure] { c.stop(finalStates: [], timeout: 0.5) }
        #expect(broker.log.contains("not authorised") || broker.log.contains("bad user name or password"))
    }
}
