import TestSupport
import CMosquitto
import Foundation
import Glibc
import Testing

/// What the libmosquitto callbacks saw; written from libmosquitto's network thread.
final class MQTTProbe: @unchecked Sendable {
    private let lock = NSLock()
    private var _connected = false, _subscribed = false, _acked = false
    private var _messages: [(String, [UInt8], Int32)] = []
    func with<T>(_ body: (MQTTProbe) -> T) -> T { lock.lock(); defer { lock.unlock() }; return body(self) }
    var connected: Bool { get { with { $0._connected } } set { with { $0._connected = newValue } } }
    var subscribed: Bool { get { with { $0._subscribed } } set { with { $0._subscribed = newValue } } }
    var acked: Bool { get { with { $0._acked } } set { with { $0._acked = newValue } } }
    var messages: [(String, [UInt8], Int32)] { with { $0._messages } }
    func append(_ m: (String, [UInt8], Int32)) { with { $0._messages.append(m) } }

    static func from(_ ud: UnsafeMutableRawPointer?) -> MQTTProbe { Unmanaged<MQTTProbe>.fromOpaque(ud!).takeUnretainedValue() }
}

/// C callbacks live in a plain enum: non-isolated, so libmosquitto's thread may call them under Swift 6.
enum ProbeCallbacks {
    static let onConnect: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, Int32) -> Void = { _, ud, rc in
        if rc == 0 { MQTTProbe.from(ud).connected = true }
    }
    static let onSubscribe: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, Int32, Int32, UnsafePointer<Int32>?) -> Void = { _, ud, _, _, _ in
        MQTTProbe.from(ud).subscribed = true
    }
    static let onPublish: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, Int32) -> Void = { _, ud, _ in
        MQTTProbe.from(ud).acked = true
    }
    static let onMessage: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, UnsafePointer<mosquitto_message>?) -> Void = { _, ud, msg in
        guard let m = msg?.pointee else { return }
        let payload = [UInt8](UnsafeRawBufferPointer(start: m.payload, count: Int(m.payloadlen)))
        MQTTProbe.from(ud).append((String(cString: m.topic), payload, m.qos))
    }
}

@Suite struct MosquittoBindingTests {
    func waitFor(_ what: String, seconds: Double = 5, _ condition: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while !condition() {
            if Date() > deadline { throw POSIXError(.ETIMEDOUT) }
            usleep(10_000)
        }
    }

    func client(_ id: String, _ probe: MQTTProbe, port: Int) throws -> OpaquePointer {
        let mosq = try #require(mosquitto_new(id, true, Unmanaged.passUnretained(probe).toOpaque()))
        mosquitto_connect_callback_set(mosq, ProbeCallbacks.onConnect)
        mosquitto_subscribe_callback_set(mosq, ProbeCallbacks.onSubscribe)
        mosquitto_publish_callback_set(mosq, ProbeCallbacks.onPublish)
        mosquitto_message_callback_set(mosq, ProbeCallbacks.onMessage)
        #expect(mosquitto_connect(mosq, "127.0.0.1", Int32(port), 10) == MOSQ_ERR_SUCCESS.rawValue)
        #expect(mosquitto_loop_start(mosq) == MOSQ_ERR_SUCCESS.rawValue)
        return mosq
    }

    @Test func qos1MessageReachesASubscriber() throws {
        mosquitto_lib_init()
        let broker = try TestBroker()
        let subProbe = MQTTProbe(), pubProbe = MQTTProbe()
        let sub = try client("edgefer-sub", subProbe, port: broker.port)
        defer { mosquitto_disconnect(sub); mosquitto_loop_stop(sub, false); mosquitto_destroy(sub) }
        try waitFor("connect") { subProbe.connected }
        #expect(mosquitto_subscribe(sub, nil, "edgefer/test/#", 1) == MOSQ_ERR_SUCCESS.rawValue)
        try waitFor("suback") { subProbe.subscribed }

        let pub = try client("edgefer-pub", pubProbe, port: broker.port)
        defer { mosquitto_disconnect(pub); mosquitto_loop_stop(pub, false); mosquitto_destroy(pub) }
        try waitFor("connect") { pubProbe.connected }
        let payload = Array("{\"emotion\":\"happiness\"}".utf8)
        var mid: Int32 = 0
        #expect(mosquitto_publish(pub, &mid, "edgefer/test/face", Int32(payload.count), payload, 1, false) == MOSQ_ERR_SUCCESS.rawValue)
        try waitFor("puback") { pubProbe.acked }
        try waitFor("message") { !subProbe.messages.isEmpty }
        let got = subProbe.messages[0]
        #expect(got.0 == "edgefer/test/face")
        #expect(got.1 == payload)
        #expect(got.2 == 1)
        _ = broker
    }
}
