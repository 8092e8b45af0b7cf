import Logging
import Track

/// Turns tracker output, camera state and stats into the topic tree of docs/events.md.
public final class EventPublisher: @unchecked Sendable {   // used from the daemon's frame loop only; the client is thread-safe
    public struct Settings: Sendable, Equatable {
        public var topics: Topics
        public var modelID: String
        public var labels: [String]
        public var homeAssistant: Bool = true
        public var discoveryPrefix = "homeassistant"
        public var homeAssistantStatusTopic = "homeassistant/status"
        public var version = "0.1.0"

        public init(topics: Topics, modelID: String, labels: [String]) {
            self.topics = topics
            self.modelID = modelID
            self.labels = labels
        }
    }

    public let client: MQTTClient
    public let settings: Settings
    private var seq = 0
    private var lastSummary: TrackSummary?
    private var lastCameraStatus: String?

    public init(client: MQTTClient, settings: Settings) {
        self.client = client
        self.settings = settings
    }

    /// The last will every ferd client must register before connecting.
    public static func will(_ topics: Topics) -> (topic: String, payload: String) { (topics.availability, "offline") }

    /// Events published so far (the last `seq`).
    public var eventsPublished: Int { seq }

    public var discovery: Discovery {
        Discovery(discoveryPrefix: settings.discoveryPrefix, topics: settings.topics, labels: settings.labels, version: settings.version)
    }

    /// Registers the retained state (availability first) and starts connecting.
    public func start(cameraStatus: String) {
        client.setState(topic: settings.topics.availability, payload: "online")
        publishCameraStatus(cameraStatus)
        publishSummary(TrackSummary(faces: 0, emotion: nil, label: nil), time: 0)
        if settings.homeAssistant {
            let d = discovery
            client.setState(topic: d.topic, payload: d.payload, content: .json)
            let client = self.client
            client.subscribe(settings.homeAssistantStatusTopic) { payload in
                // HA's birth message: it may have lost retained discovery, so send everything again
                if payload == Array("online".utf8) { client.republishStates() }
            }
        } else {
            // an empty retained config removes a device announced by an earlier run
            client.setState(topic: discovery.topic, payload: "")
        }
        client.start()
    }

    public func publish(_ events: [TrackEvent], time: Double) {
        for e in events {
            seq += 1
            let json = EventPayloads.event(e, seq: seq, camera: settings.topics.camera, device: settings.topics.device,
                                           model: settings.modelID, labels: settings.labels)
            client.enqueue(OutboundMessage(topic: settings.topics.events, payload: Array(json.utf8)))
        }
    }

    /// Publishes the retained summary when the face count or dominant emotion changed.
    public func publishSummary(_ s: TrackSummary, time: Double) {
        guard s != lastSummary else { return }
        lastSummary = s
        client.setState(topic: settings.topics.summary, payload: EventPayloads.summary(s, time: time, camera: settings.topics.camera), content: .json)
    }

    /// Publishes the retained camera status when it changed.
    public func publishCameraStatus(_ status: String) {
        guard status != lastCameraStatus else { return }
        lastCameraStatus = status
        client.setState(topic: settings.topics.cameraStatus, payload: status)
    }

    public func publishStats(_ stats: DaemonStats) {
        client.publishIfConnected(topic: settings.topics.stats, payload: stats.json)
    }

    /// Clean exit: availability `offline` (retained), flush what the broker takes within `timeout`, disconnect.
    @discardableResult
    public func stop(timeout: Double) -> Int {
        client.stop(finalStates: [(settings.topics.availability, "offline")], timeout: timeout)
    }
}
