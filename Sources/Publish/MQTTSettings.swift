/// How to reach the broker and how to behave while it is away; filled from `[mqtt]` and `[mqtt.tls]`.
public struct MQTTSettings: Sendable, Equatable {
    public enum ProtocolVersion: String, Sendable { case v311 = "3.1.1", v5 = "5" }
    /// What to do when the outgoing queue is full.
    public enum QueuePolicy: String, Sendable { case dropOldest = "drop_oldest", dropNewest = "drop_newest" }

    public struct TLS: Sendable, Equatable {
        public var caFile: String?
        public var caPath: String?
        public var certFile: String?
        public var keyFile: String?
        /// Skips the broker hostname check (never the chain check); for test brokers only.
        public var insecure = false
        public init() {}
    }

    public var host = "127.0.0.1"
    public var port = 1883
    public var clientID: String
    public var keepalive = 60
    public var username: String?
    public var password: String?
    public var tls: TLS?
    public var protocolVersion = ProtocolVersion.v5
    public var qos = 1
    public var reconnectMinSeconds = 1
    public var reconnectMaxSeconds = 60
    /// Events held while disconnected; beyond it `queuePolicy` drops (and counts).
    public var queueSize = 1000
    public var queuePolicy = QueuePolicy.dropOldest
    /// Messages handed to libmosquitto and not yet acknowledged, at most.
    public var maxInflight = 20
    /// MQTT v5 message expiry of events and stats in seconds; 0 = none.
    public var messageExpiry = 60

    public init(clientID: String) { self.clientID = clientID }
}
