import TestSupport
import CMosquitto
import Foundation
import Publish
import Synchronization

/// A real libmosquitto subscriber that records every message it receives (topic, payload, retain).
final class TestSubscriber: @unchecked Sendable {
    struct Message: Sendable {
        var topic: String
        var payload: String
        var retained: Bool
        var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(payload.utf8))) as? [String: Any] }
    }

    private let mosq: OpaquePointer
    private let box: Box
    private var started = false

    final class Box: Sendable {
        let messages = Mutex<[Message]>([])
        let connects = Mutex(0)
        let topics: [String]
        init(topics: [String]) { self.topics = topics }
    }

    enum Callbacks {
        static func box(_ ud: UnsafeMutableRawPointer?) -> Box { Unmanaged<Box>.fromOpaque(ud!).takeUnretainedValue() }
        static let onConnect: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, Int32) -> Void = { m, ud, rc in
            guard rc == 0 else { return }
            let b = box(ud)
            for t in b.topics { mosquitto_subscribe(m, nil, t, 1) }
        }
        static let onSubscribe: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, Int32, Int32, UnsafePointer<Int32>?) -> Void = { _, ud, _, _, _ in
            box(ud).connects.withLock { $0 += 1 }
        }
        static let onMessage: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, UnsafePointer<mosquitto_message>?) -> Void = { _, ud, msg in
            guard let m = msg?.pointee else { return }
            let payload = m.payload.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: Int(m.payloadlen)), as: UTF8.self) } ?? ""
            box(ud).messages.withLock { $0.append(Message(topic: String(cString: m.topic), payload: payload, retained: m.retain)) }
        }
    }

    /// `cleanSession: false` with a fixed id keeps the subscription (and QoS 1 backlog) across broker restarts.
    init(port: Int, topics: [String], clientID: String? = nil, cleanSession: Bool = true, host: String = "127.0.0.1",
         tls: (ca: String, cert: String?, key: String?)? = nil, user: (String, String)? = nil) throws {
        _ = MosquittoLibrary.initialized
        box = Box(topics: topics)
        let ud = Unmanaged.passRetained(box).toOpaque()
        guard let m = mosquitto_new(clientID ?? "test-sub-\(UInt32.random(in: 0...UInt32.max))", cleanSession, ud) else { throw POSIXError(.ENOMEM) }
        mosq = m
        mosquitto_reconnect_delay_set(m, 1, 1, false)
        mosquitto_connect_callback_set(m, Callbacks.onConnect)
        mosquitto_subscribe_callback_set(m, Callbacks.onSubscribe)
        mosquitto_message_callback_set(m, Callbacks.onMessage)
        if let tls { mosquitto_tls_set(m, tls.ca, nil, tls.cert, tls.key, nil) }
        if let user { mosquitto_username_pw_set(m, user.0, user.1) }
        guard mosquitto_connect(m, host, Int32(port), 5) == MOSQ_ERR_SUCCESS.rawValue else { throw POSIXError(.ECONNREFUSED) }
        mosquitto_loop_start(m)
        started = true
        guard waitFor(5, { box.connects.withLock { $0 } > 0 }) else { throw POSIXError(.ETIMEDOUT) }
    }

    deinit {
        mosquitto_disconnect(mosq)
        if started { mosquitto_loop_stop(mosq, false) }
        mosquitto_destroy(mosq)
        Unmanaged.passUnretained(box).release()
    }

    /// Subscriptions acknowledged so far (one per topic per connect).
    var subscribeAcks: Int { box.connects.withLock { $0 } }
    var messages: [Message] { box.messages.withLock { $0 } }
    func messages(on topic: String) -> [Message] { messages.filter { $0.topic == topic } }
    func last(on topic: String) -> Message? { messages(on: topic).last }
}
