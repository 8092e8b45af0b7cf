import FoundationEssentials
import Glibc
import Publish
import Track

/// Reads, overrides and validates the configuration. Everything that can be wrong in the file is
/// reported as a `ConfigError` naming the key and line; `ferd --check-config` prints it and exits 78.
public enum ConfigLoader {
    /// Where `ferd` looks when `--config` is not given.
    public static let defaultPath = "/etc/ferd/ferd.toml"

    /// Loads `path` (or the defaults when `path` is nil and the default file does not exist), applies
    /// `--set key=value` overrides, and validates.
    public static func load(path: String?, overrides: [String], environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(ConfigError) -> FerdConfig
    {
        let file = path ?? defaultPath
        var document = TOMLDocument()
        if path != nil || FileManager.default.fileExists(atPath: file) {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw ConfigError(file: file, line: nil, key: nil, "cannot read the file (\(String(cString: strerror(errno))))")
            }
            document = try TOMLParser.parse([UInt8](data), file: file)
        }
        var parsed: [(key: String, value: TOMLValue)] = []
        for o in overrides { parsed.append(try parseOverride(o)) }
        return try decode(document, file: file, overrides: parsed, environment: environment)
    }

    /// `mqtt.host=broker.lan` → ("mqtt.host", "broker.lan"). The value is read as TOML (`5`, `true`,
    /// `"x"`, `[1, 2]`); anything else is taken as a bare string.
    public static func parseOverride(_ s: String) throws(ConfigError) -> (key: String, value: TOMLValue) {
        guard let eq = s.firstIndex(of: "="), s[..<eq].contains(".") else {
            throw ConfigError(file: "--set", line: nil, key: nil, "expected section.key=value, got \"\(s)\"")
        }
        let key = s[..<eq].trimmingSpaces()
        let text = String(s[s.index(after: eq)...])
        let value = (try? TOMLParser.parseValue(text, origin: "--set \(key)")) ?? .string(text)
        return (key, value)
    }

    public static func decode(_ document: TOMLDocument, file: String, overrides: [(key: String, value: TOMLValue)] = [],
                              environment: [String: String] = [:]) throws(ConfigError) -> FerdConfig
    {
        var r = ConfigReader(document: document, file: file, overrides: overrides, knownTables: FerdConfig.knownTables)
        var c = FerdConfig()

        c.camera.name = try r.string("camera.name", c.camera.name)
        try r.require(Topics.isValidLevel(c.camera.name), "camera.name", "must be 1+ characters of [a-zA-Z0-9_-]")
        c.camera.source = try r.string("camera.source", c.camera.source)
        try r.require(!c.camera.source.isEmpty, "camera.source", "must not be empty")
        c.camera.width = try r.int("camera.width", c.camera.width, 16...7680)
        c.camera.height = try r.int("camera.height", c.camera.height, 16...4320)
        c.camera.fps = try r.int("camera.fps", c.camera.fps, 1...240)
        c.camera.pixelFormat = try r.choice("camera.pixel_format", c.camera.pixelFormat, ["auto", "YUYV", "GREY", "MJPG"])
        c.camera.buffers = try r.int("camera.buffers", c.camera.buffers, 2...32)
        c.camera.retryMaxSeconds = try r.int("camera.retry_max_seconds", c.camera.retryMaxSeconds, 1...3600)
        c.camera.decodeScale = try r.int("camera.decode_scale", c.camera.decodeScale, 1...8)
        try r.require([1, 2, 4, 8].contains(c.camera.decodeScale), "camera.decode_scale", "must be 1, 2, 4 or 8")

        c.detector.cascade = try r.string("detector.cascade", c.detector.cascade)
        c.detector.scaleFactor = try r.double("detector.scale_factor", c.detector.scaleFactor, 1.01...2)
        c.detector.minNeighbors = try r.int("detector.min_neighbors", c.detector.minNeighbors, 0...100)
        c.detector.minSize = try r.int("detector.min_size", c.detector.minSize, 0...4096)
        c.detector.maxSize = try r.int("detector.max_size", c.detector.maxSize, 0...8192)
        try r.require(c.detector.maxSize == 0 || c.detector.maxSize >= c.detector.minSize, "detector.max_size", "must be 0 (no limit) or ≥ detector.min_size")
        c.detector.downscale = try r.int("detector.downscale", c.detector.downscale, 1...8)
        c.detector.fullScanEvery = try r.int("detector.full_scan_every", c.detector.fullScanEvery, 1...1000)
        c.detector.backgroundFullScan = try r.bool("detector.background_full_scan", c.detector.backgroundFullScan)
        c.detector.threads = try r.int("detector.threads", c.detector.threads, 1...64)

        c.model.path = try r.string("model.path", c.model.path)
        c.model.margin = try r.double("model.margin", c.model.margin, 0...1)
        c.model.threads = try r.int("model.threads", c.model.threads, 1...64)
        c.model.batch = try r.int("model.batch", c.model.batch, 1...64)

        var t = c.tracker
        t.iouThreshold = try r.double("tracker.iou_threshold", t.iouThreshold, 0.01...1)
        t.minHits = try r.int("tracker.min_hits", t.minHits, 1...1000)
        t.maxMissed = try r.int("tracker.max_missed", t.maxMissed, 1...10000)
        t.minFaceSize = try r.int("tracker.min_face_size", t.minFaceSize, 0...4096)
        let smoothing = try r.choice("tracker.smoothing", "ema", ["ema", "median"])
        let alpha = try r.double("tracker.ema_alpha", 0.3, 0.01...1)
        let window = try r.int("tracker.median_window", 5, 1...100)
        t.smoothing = smoothing == "ema" ? .ema(alpha: alpha) : .median(window: window)
        t.updateInterval = try r.double("tracker.update_interval", t.updateInterval, 0...86400)
        t.minUpdateGap = try r.double("tracker.min_update_gap", t.minUpdateGap, 0...3600)
        c.tracker = t

        let host = Topics.sanitized(environment["FERD_HOSTNAME"] ?? ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "ferd")
        c.mqttEnabled = try r.bool("mqtt.enabled", true)
        c.topicPrefix = try r.string("mqtt.topic_prefix", c.topicPrefix)
        try r.require(Topics.isValidLevel(c.topicPrefix), "mqtt.topic_prefix", "must be 1+ characters of [a-zA-Z0-9_-]")
        c.device = try r.string("mqtt.device", host)
        try r.require(Topics.isValidLevel(c.device), "mqtt.device", "must be 1+ characters of [a-zA-Z0-9_-]")
        var m = MQTTSettings(clientID: "")
        m.host = try r.string("mqtt.host", m.host)
        try r.require(!m.host.isEmpty, "mqtt.host", "must not be empty")
        m.port = try r.int("mqtt.port", m.port, 1...65535)
        m.clientID = try r.string("mqtt.client_id", "ferd-\(host)-\(c.camera.name)")
        try r.require(!m.clientID.isEmpty && m.clientID.utf8.count <= 65535, "mqtt.client_id", "must not be empty")
        m.keepalive = try r.int("mqtt.keepalive", m.keepalive, 5...65535)
        let proto = try r.choice("mqtt.protocol", "5", ["5", "3.1.1"])
        m.protocolVersion = proto == "5" ? .v5 : .v311
        m.qos = try r.int("mqtt.qos", m.qos, 0...2)
        m.reconnectMinSeconds = try r.int("mqtt.reconnect_min_seconds", m.reconnectMinSeconds, 1...3600)
        m.reconnectMaxSeconds = try r.int("mqtt.reconnect_max_seconds", m.reconnectMaxSeconds, 1...3600)
        try r.require(m.reconnectMaxSeconds >= m.reconnectMinSeconds, "mqtt.reconnect_max_seconds", "must be ≥ mqtt.reconnect_min_seconds (\(m.reconnectMinSeconds))")
        m.queueSize = try r.int("mqtt.queue_size", m.queueSize, 1...1_000_000)
        m.queuePolicy = try r.choice("mqtt.queue_policy", "drop_oldest", ["drop_oldest", "drop_newest"]) == "drop_oldest" ? .dropOldest : .dropNewest
        m.maxInflight = try r.int("mqtt.max_inflight", m.maxInflight, 1...65535)
        m.messageExpiry = try r.int("mqtt.message_expiry", m.messageExpiry, 0...4_294_967_295)
        m.username = try r.optionalString("mqtt.username")
        let passwordFile = try r.optionalString("mqtt.password_file")
        let credential = try r.string("mqtt.password_credential", "mqtt_password")
        if let passwordFile {
            try r.require(m.username != nil, "mqtt.password_file", "needs mqtt.username")
            guard let pw = readSecret(passwordFile) else {
                try r.require(false, "mqtt.password_file", "cannot read \(passwordFile)")
                return c
            }
            m.password = pw
        } else if m.username != nil, let dir = environment["CREDENTIALS_DIRECTORY"], !credential.isEmpty {
            try r.require(!credential.contains("/"), "mqtt.password_credential", "must be a credential name, not a path")
            m.password = readSecret(dir + "/" + credential)   // LoadCredential=mqtt_password:... in the unit
        }

        let tlsEnabled = try r.bool("mqtt.tls.enabled", false)
        var tls = MQTTSettings.TLS()
        tls.caFile = try r.optionalString("mqtt.tls.ca_file")
        tls.caPath = try r.optionalString("mqtt.tls.ca_path")
        tls.certFile = try r.optionalString("mqtt.tls.cert_file")
        tls.keyFile = try r.optionalString("mqtt.tls.key_file")
        tls.insecure = try r.bool("mqtt.tls.insecure", false)
        if tlsEnabled {
            try r.require(tls.caFile != nil || tls.caPath != nil, "mqtt.tls.enabled", "TLS needs mqtt.tls.ca_file or mqtt.tls.ca_path")
            try r.require((tls.certFile == nil) == (tls.keyFile == nil), tls.certFile == nil ? "mqtt.tls.key_file" : "mqtt.tls.cert_file",
                          "mqtt.tls.cert_file and mqtt.tls.key_file go together")
            for (key, path) in [("mqtt.tls.ca_file", tls.caFile), ("mqtt.tls.cert_file", tls.certFile), ("mqtt.tls.key_file", tls.keyFile)] {
                if let path { try r.require(FileManager.default.isReadableFile(atPath: path), key, "cannot read \(path)") }
            }
            m.tls = tls
        }
        c.mqtt = m

        c.homeAssistant.enabled = try r.bool("homeassistant.enabled", true)
        c.homeAssistant.discoveryPrefix = try r.string("homeassistant.discovery_prefix", c.homeAssistant.discoveryPrefix)
        try r.require(Topics.isValidLevel(c.homeAssistant.discoveryPrefix), "homeassistant.discovery_prefix", "must be 1+ characters of [a-zA-Z0-9_-]")
        c.homeAssistant.statusTopic = try r.string("homeassistant.status_topic", c.homeAssistant.statusTopic)
        try r.require(!c.homeAssistant.statusTopic.isEmpty && !c.homeAssistant.statusTopic.contains("#") && !c.homeAssistant.statusTopic.contains("+"),
                      "homeassistant.status_topic", "must be a topic without wildcards")

        c.stats.interval = try r.double("stats.interval", c.stats.interval, 0...86400)
        try r.require(c.stats.interval == 0 || c.stats.interval >= 1, "stats.interval", "must be 0 (off) or ≥ 1 second")
        c.logging.level = try r.choice("logging.level", c.logging.level, ["trace", "debug", "info", "notice", "warning", "error", "critical"])

        try r.finish()
        return c
    }

    /// A secret file's content without its trailing newline; nil when unreadable.
    static func readSecret(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        var s = String(decoding: data, as: UTF8.self)
        while s.hasSuffix("\n") || s.hasSuffix("\r") { s.removeLast() }
        return s
    }
}
