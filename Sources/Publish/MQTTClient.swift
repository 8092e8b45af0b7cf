import CMosquitto
import FoundationEssentials
import Glibc
import Logging
import Synchronization

/// Counters of the MQTT session, reported in the stats topic.
public struct MQTTStats: Sendable, Equatable {
    public var connected = false
    public var queueDepth = 0
    public var queueDrops = 0
    public var inflight = 0
    public var reconnects = 0
    public var acknowledged = 0
    public init() {}
    init(connected: Bool, queueDepth: Int, queueDrops: Int, inflight: Int, reconnects: Int, acknowledged: Int) {
        self.connected = connected
        self.queueDepth = queueDepth
        self.queueDrops = queueDrops
        self.inflight = inflight
        self.reconnects = reconnects
        self.acknowledged = acknowledged
    }
}

public enum MQTTError: Error, CustomStringConvertible {
    case library(String, Int32)
    public var description: String {
        switch self {
        case .library(let what, let rc): return "\(what): \(String(cString: mosquitto_strerror(rc))) (rc \(rc))"
        }
    }
}

/// `mosquitto_lib_init` is not thread-safe (it initialises OpenSSL): run it exactly once per process,
/// through Swift's thread-safe lazy `static let`, and never clean up (clients may exist until exit).
public enum MosquittoLibrary {
    public static let initialized: Void = { mosquitto_lib_init() }()
}

/// One libmosquitto session on its own network thread (see `start()`).
///
/// Events go through our bounded `OutboundQueue` and are handed to libmosquitto only while connected,
/// at most `maxInflight` unacknowledged at a time, so libmosquitto's unbounded queue never grows past
/// that; unacknowledged QoS≥1 messages are re-sent by libmosquitto after a reconnect. Retained state
/// (availability, camera status, summary, discovery) is kept as the latest value per topic and
/// republished on every connect.
public final class MQTTClient: @unchecked Sendable {   // libmosquitto is thread-safe in threaded mode; our state is under `state`
    public let settings: MQTTSettings
    private let logger: Logger
    private let mosq: OpaquePointer
    private var eventProps: OpaquePointer?   // mosquitto_property lists, built once
    private var jsonProps: OpaquePointer?
    private var textProps: OpaquePointer?
    private var networkThread: NetworkThread?

    public enum Content: Sendable { case json, text }

    struct StateMessage {
        var topic: String
        var payload: [UInt8]
        var retain: Bool
        var content: Content
    }

    struct State {
        var queue: OutboundQueue
        var inflight: [Int32: Bool] = [:]   // mid → counts toward maxInflight (events)
        var states: [StateMessage] = []
        var subscriptions: [String: @Sendable ([UInt8]) -> Void] = [:]
        var connected = false
        var connects = 0
        var acknowledged = 0
        var stopping = false
        var lastLoggedFailure: Int32?
    }
    private let state: Mutex<State>

    /// `will`: published by the broker with retain and `settings.qos` if we vanish without DISCONNECT.
    public init(settings: MQTTSettings, will: (topic: String, payload: String)?, logger: Logger) throws {
        self.settings = settings
        self.logger = logger
        state = Mutex(State(queue: OutboundQueue(capacity: settings.queueSize, policy: settings.queuePolicy)))
        _ = MosquittoLibrary.initialized
        guard let m = mosquitto_new(settings.clientID, true, nil) else {
            throw MQTTError.library("mosquitto_new", MOSQ_ERR_NOMEM.rawValue)
        }
        mosq = m
        mosquitto_user_data_set(m, Unmanaged.passUnretained(self).toOpaque())
        let v5 = settings.protocolVersion == .v5
        try check("protocol version", mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, v5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311))
        try check("reconnect delay", mosquitto_reconnect_delay_set(m, UInt32(settings.reconnectMinSeconds), UInt32(settings.reconnectMaxSeconds), true))
        if v5 {
            mosquitto_property_add_string(&eventProps, Int32(MQTT_PROP_CONTENT_TYPE.rawValue), "application/json")
            mosquitto_property_add_byte(&eventProps, Int32(MQTT_PROP_PAYLOAD_FORMAT_INDICATOR.rawValue), 1)
            if settings.messageExpiry > 0 {
                mosquitto_property_add_int32(&eventProps, Int32(MQTT_PROP_MESSAGE_EXPIRY_INTERVAL.rawValue), UInt32(settings.messageExpiry))
            }
            mosquitto_property_add_string(&jsonProps, Int32(MQTT_PROP_CONTENT_TYPE.rawValue), "application/json")
            mosquitto_property_add_byte(&jsonProps, Int32(MQTT_PROP_PAYLOAD_FORMAT_INDICATOR.rawValue), 1)
            mosquitto_property_add_string(&textProps, Int32(MQTT_PROP_CONTENT_TYPE.rawValue), "text/plain")
            mosquitto_property_add_byte(&textProps, Int32(MQTT_PROP_PAYLOAD_FORMAT_INDICATOR.rawValue), 1)
        }
        if let user = settings.username {
            try check("username/password", mosquitto_username_pw_set(m, user, settings.password))
        }
        if let tls = settings.tls {
            try check("TLS files", mosquitto_tls_set(m, tls.caFile, tls.caPath, tls.certFile, tls.keyFile, nil))
            try check("TLS hostname check", mosquitto_tls_insecure_set(m, tls.insecure))
        }
        if let will {
            let bytes = Array(will.payload.utf8)
            try check("last will", mosquitto_will_set_v5(m, will.topic, Int32(bytes.count), bytes, Int32(settings.qos), true, v5 ? copyProps(textProps) : nil))
        }
        mosquitto_connect_v5_callback_set(m, MQTTCallbacks.onConnect)
        mosquitto_disconnect_v5_callback_set(m, MQTTCallbacks.onDisconnect)
        mosquitto_publish_v5_callback_set(m, MQTTCallbacks.onPublish)
        mosquitto_message_v5_callback_set(m, MQTTCallbacks.onMessage)
    }

    deinit {
        mosquitto_destroy(mosq)
        mosquitto_property_free_all(&eventProps)
        mosquitto_property_free_all(&jsonProps)
        mosquitto_property_free_all(&textProps)
    }

    private func check(_ what: String, _ rc: Int32) throws {
        if rc != MOSQ_ERR_SUCCESS.rawValue { throw MQTTError.library(what, rc) }
    }

    /// mosquitto_will_set_v5 takes ownership of its property list, so it gets a copy.
    private func copyProps(_ p: OpaquePointer?) -> OpaquePointer? {
        var out: OpaquePointer?
        mosquitto_property_copy_all(&out, p)
        return out
    }

    /// Starts the network thread: our own thread running libmosquitto's `mosquitto_loop`
    /// (`mosquitto_threaded_set(true)`, so other threads may publish). Not `mosquitto_loop_start`:
    /// its `loop_forever` ends the thread silently after "fatal" errors (a v5 login refusal, a TLS
    /// failure, a DNS error: mosquitto lib/loop.c), and sleeps through reconnect delays that a
    /// SIGTERM cannot interrupt. Here every failure is retried with the configured capped backoff
    /// (doubling from reconnect_min_seconds to reconnect_max_seconds), and stop() returns promptly.
    public func start() {
        let thread = NetworkThread(name: "mqtt-network") { [self] in runNetwork() }
        networkThread = thread
        thread.start()
    }

    private var isStopping: Bool { state.withLock { $0.stopping } }

    /// Sleeps `seconds` in small steps, returning early when stopping.
    private func pause(_ seconds: Double) {
        var waited = 0.0
        while waited < seconds && !isStopping { NetworkThread.sleep(0.05); waited += 0.05 }
    }

    private static func describe(_ rc: Int32) -> String {
        rc == MOSQ_ERR_ERRNO.rawValue ? String(cString: strerror(errno)) : String(cString: mosquitto_strerror(rc))
    }

    private func runNetwork() {
        mosquitto_threaded_set(mosq, true)
        var delay = Double(settings.reconnectMinSeconds)
        while !isStopping {
            let connectsBefore = state.withLock { $0.connects }
            var rc = mosquitto_connect_async(mosq, settings.host, Int32(settings.port), Int32(settings.keepalive))
            if rc == MOSQ_ERR_SUCCESS.rawValue {
                // keepalive pings, reads, writes and QoS retries all happen inside mosquitto_loop
                while !isStopping {
                    rc = mosquitto_loop(mosq, 100, 1)
                    if rc != MOSQ_ERR_SUCCESS.rawValue { break }
                }
            }
            if isStopping { break }
            // the disconnect callback may already have cleared `connected`: a CONNACK during this attempt tells
            let connects = state.withLock { s -> Int in
                s.connected = false
                return s.connects
            }
            if connects > connectsBefore {
                state.withLock { $0.lastLoggedFailure = nil }
                logger.warning("mqtt: connection lost (\(Self.describe(rc))); reconnecting with backoff up to \(settings.reconnectMaxSeconds) s")
            } else if state.withLock({ $0.lastLoggedFailure == nil || $0.lastLoggedFailure == rc }) {   // a refusal logs itself
                logFailure(rc, "mqtt: cannot connect to \(settings.host):\(settings.port): \(Self.describe(rc))")
            }
            if connects > connectsBefore { delay = Double(settings.reconnectMinSeconds) }   // it worked for a while: start over
            pause(delay)
            delay = min(delay * 2, Double(settings.reconnectMaxSeconds))
        }
        // clean exit: DISCONNECT (so the broker drops the will), flushed by a few more loop turns
        if state.withLock({ $0.connected }) {
            mosquitto_disconnect(mosq)
            for _ in 0..<20 where mosquitto_loop(mosq, 50, 1) == MOSQ_ERR_SUCCESS.rawValue {}
        }
    }

    /// Logs a failure once per distinct cause (`key`), not on every retry.
    private func logFailure(_ key: Int32, _ message: String) {
        let first = state.withLock { s -> Bool in
            defer { s.lastLoggedFailure = key }
            return s.lastLoggedFailure != key
        }
        if first { logger.warning("\(message); retrying with backoff up to \(settings.reconnectMaxSeconds) s") }
    }

    // MARK: - publishing

    /// Queues an event (bounded; drops are counted) and sends what the in-flight window allows.
    public func enqueue(_ m: OutboundMessage) {
        state.withLock { s in
            s.queue.push(m)
            pump(&s)
        }
    }

    /// Sets the latest value of a state topic; sent now when connected and again after every connect.
    public func setState(topic: String, payload: String, retain: Bool = true, content: Content = .text) {
        let message = StateMessage(topic: topic, payload: Array(payload.utf8), retain: retain, content: content)
        state.withLock { s in
            if let i = s.states.firstIndex(where: { $0.topic == topic }) { s.states[i] = message } else { s.states.append(message) }
            if s.connected { send(message, &s) }
        }
    }

    /// Publishes a non-retained snapshot (stats) now if connected, else drops it: a stale snapshot
    /// is worth nothing later, so it neither waits in the event queue nor is re-sent on connect.
    public func publishIfConnected(topic: String, payload: String) {
        state.withLock { s in
            guard s.connected else { return }
            send(StateMessage(topic: topic, payload: Array(payload.utf8), retain: false, content: .json), &s)
        }
    }

    /// Republishes every state topic (e.g. when Home Assistant announces `online`).
    public func republishStates() {
        state.withLock { s in
            guard s.connected else { return }
            for m in s.states { send(m, &s) }
        }
    }

    /// Subscribes now and after every reconnect; `handler` runs on the network thread.
    public func subscribe(_ topic: String, handler: @escaping @Sendable ([UInt8]) -> Void) {
        state.withLock { s in
            s.subscriptions[topic] = handler
            if s.connected { mosquitto_subscribe_v5(mosq, nil, topic, Int32(settings.qos), 0, nil) }
        }
    }

    public var stats: MQTTStats {
        state.withLock { s in
            MQTTStats(connected: s.connected, queueDepth: s.queue.count, queueDrops: s.queue.dropped,
                      inflight: s.inflight.count, reconnects: max(0, s.connects - 1), acknowledged: s.acknowledged)
        }
    }

    private func send(_ m: StateMessage, _ s: inout State) {
        var mid: Int32 = 0
        let props = m.content == .json ? jsonProps : textProps
        let rc = m.payload.withUnsafeBytes {
            mosquitto_publish_v5(mosq, &mid, m.topic, Int32(m.payload.count), $0.baseAddress, Int32(settings.qos), m.retain, props)
        }
        if rc == MOSQ_ERR_SUCCESS.rawValue && settings.qos > 0 { s.inflight[mid] = false }
    }

    /// Hands queued events to libmosquitto while connected and the in-flight window has room.
    private func pump(_ s: inout State) {
        while s.connected, !s.queue.isEmpty, s.inflight.values.count(where: { $0 }) < settings.maxInflight, let m = s.queue.first {
            var mid: Int32 = 0
            let rc = m.payload.withUnsafeBytes {
                mosquitto_publish_v5(mosq, &mid, m.topic, Int32(m.payload.count), $0.baseAddress, Int32(settings.qos), false, eventProps)
            }
            guard rc == MOSQ_ERR_SUCCESS.rawValue else {
                logger.debug("mqtt: publish to \(m.topic) deferred: \(String(cString: mosquitto_strerror(rc)))")
                return   // stays queued; the next connect pumps again
            }
            _ = s.queue.popFirst()
            if settings.qos > 0 { s.inflight[mid] = true }
        }
    }

    // MARK: - callbacks (network thread)

    func handleConnect(rc: Int32) {
        guard rc == 0 else {
            // v5 CONNACK carries a reason code (e.g. 0x86 bad user name or password), v3.1.1 a return code
            let why = settings.protocolVersion == .v5 ? String(cString: mosquitto_reason_string(rc)) : String(cString: mosquitto_connack_string(rc))
            logFailure(rc + 1000, "mqtt: broker \(settings.host):\(settings.port) refused the connection: \(why)")
            return
        }
        let connects = state.withLock { s -> Int in
            s.connected = true
            s.connects += 1
            s.lastLoggedFailure = nil
            for topic in s.subscriptions.keys { mosquitto_subscribe_v5(mosq, nil, topic, Int32(settings.qos), 0, nil) }
            for m in s.states { send(m, &s) }
            pump(&s)
            return s.connects
        }
        logger.notice("mqtt: connected to \(settings.host):\(settings.port)\(connects > 1 ? " (reconnect \(connects - 1))" : "")")
    }

    func handleDisconnect(rc: Int32) {
        state.withLock { $0.connected = false }   // the network thread logs and reconnects
    }

    func handlePublished(mid: Int32, reason: Int32) {
        state.withLock { s in
            if s.inflight.removeValue(forKey: mid) != nil { s.acknowledged += 1 }
            pump(&s)
        }
        if reason >= 0x80 { logger.warning("mqtt: broker rejected message \(mid) with reason \(reason)") }
    }

    func handleMessage(topic: String, payload: [UInt8]) {
        let handler = state.withLock { $0.subscriptions[topic] }
        handler?(payload)
    }

    // MARK: - shutdown

    /// Publishes `finalStates` (e.g. availability `offline`), waits up to `timeout` s for queued and
    /// in-flight messages to be acknowledged, then disconnects cleanly (so the will is not sent).
    /// Returns the number of messages still unacknowledged.
    @discardableResult
    public func stop(finalStates: [(topic: String, payload: String)], timeout: Double) -> Int {
        for f in finalStates { setState(topic: f.topic, payload: f.payload) }
        let deadline = Date().addingTimeInterval(timeout)
        var left = 0
        while true {
            let (connected, pending) = state.withLock { ($0.connected, $0.queue.count + $0.inflight.count) }
            left = pending
            if pending == 0 || !connected || Date() >= deadline { break }
            NetworkThread.sleep(0.01)
        }
        state.withLock { $0.stopping = true }
        while networkThread?.isFinished == false { NetworkThread.sleep(0.01) }   // it disconnects cleanly on its way out
        state.withLock { $0.connected = false }
        return left
    }
}
