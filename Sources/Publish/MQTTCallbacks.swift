import CMosquitto

/// libmosquitto's callbacks, run on its network thread. They live in a plain enum, non-isolated:
/// closures written in main.swift or in actor-isolated code trap (SIGILL) when a C thread calls them
/// (see shared/guides/swift-c-bindings.md, "MQTT callbacks under Swift 6 strict concurrency").
enum MQTTCallbacks {
    static func client(_ userdata: UnsafeMutableRawPointer?) -> MQTTClient? {
        guard let userdata else { return nil }
        return Unmanaged<MQTTClient>.fromOpaque(userdata).takeUnretainedValue()
    }

    static let onConnect: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, Int32, Int32, OpaquePointer?) -> Void = {
        _, userdata, rc, _, _ in client(userdata)?.handleConnect(rc: rc)
    }
    static let onDisconnect: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, Int32, OpaquePointer?) -> Void = {
        _, userdata, rc, _ in client(userdata)?.handleDisconnect(rc: rc)
    }
    static let onPublish: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, Int32, Int32, OpaquePointer?) -> Void = {
        _, userdata, mid, reason, _ in client(userdata)?.handlePublished(mid: mid, reason: reason)
    }
    static let onMessage: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?, UnsafePointer<mosquitto_message>?, OpaquePointer?) -> Void = {
        _, userdata, message, _ in
        guard let m = message?.pointee, let topic = m.topic else { return }
        // copy: libmosquitto frees the message when the callback returns
        let payload = m.payload.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: Int(m.payloadlen))) } ?? []
        client(userdata)?.handleMessage(topic: String(cString: topic), payload: payload)
    }
}
