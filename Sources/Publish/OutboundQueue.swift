/// One message waiting to be handed to libmosquitto.
public struct OutboundMessage: Sendable, Equatable {
    public var topic: String
    public var payload: [UInt8]
    public init(topic: String, payload: [UInt8]) {
        self.topic = topic
        self.payload = payload
    }
}

/// A bounded FIFO ring: libmosquitto's own QoS>0 queue is unbounded (mosquitto GH#1918), so events
/// wait here while the broker is unreachable, and only what fits is kept. Drops are counted exactly.
public struct OutboundQueue: Sendable {
    public let capacity: Int
    public let policy: MQTTSettings.QueuePolicy
    private var slots: [OutboundMessage?]
    private var head = 0
    public private(set) var count = 0
    /// Messages discarded because the queue was full, since creation.
    public private(set) var dropped = 0

    public init(capacity: Int, policy: MQTTSettings.QueuePolicy) {
        precondition(capacity > 0, "queue capacity must be positive")
        self.capacity = capacity
        self.policy = policy
        slots = [OutboundMessage?](repeating: nil, count: capacity)
    }

    public var isEmpty: Bool { count == 0 }

    /// Appends `m`; when full, drops the oldest (or `m` itself under drop_newest) and counts it.
    public mutating func push(_ m: OutboundMessage) {
        if count == capacity {
            dropped += 1
            if policy == .dropNewest { return }
            slots[head] = nil
            head = (head + 1) % capacity
            count -= 1
        }
        slots[(head + count) % capacity] = m
        count += 1
    }

    public var first: OutboundMessage? { count > 0 ? slots[head] : nil }

    public mutating func popFirst() -> OutboundMessage? {
        guard count > 0 else { return nil }
        let m = slots[head]
        slots[head] = nil
        head = (head + 1) % capacity
        count -= 1
        return m
    }
}
