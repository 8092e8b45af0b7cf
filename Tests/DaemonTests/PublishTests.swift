import TestSupport
import Foundation
import Imaging
import Logging
import Publish
import Testing
import Track

/// The publisher against a real mosquitto and a real libmosquitto subscriber.
@Suite(.serialized) struct PublishTests {
    static let labels = ["anger", "contempt", "disgust", "fear", "happiness", "neutral", "sadness", "surprise"]
    static let logger = Logger(label: "test")

    static func probs(_ dominant: Int, _ p: Float = 0.72) -> [Float] {
        (0..<8).map { $0 == dominant ? p : (1 - p) / 7 }
    }

    static func publisher(port: Int, protocolVersion: MQTTSettings.ProtocolVersion = .v5, queue: Int = 100,
                          edit: (inout MQTTSettings) -> Void = { _ in }) throws -> EventPublisher {
        var s = MQTTSettings(clientID: "ferd-test-\(UInt32.random(in: 0...UInt32.max))")
        s.port = port
        s.protocolVersion = protocolVersion
        s.reconnectMinSeconds = 1
        s.reconnectMaxSeconds = 1
        s.queueSize = queue
        edit(&s)
        let topics = Topics(prefix: "edgefer", device: "testdev", camera: "cam0")
        let client = try MQTTClient(settings: s, will: EventPublisher.will(topics), logger: logger)
        return EventPublisher(client: client, settings: EventPublisher.Settings(topics: topics, modelID: "test-model", labels: labels))
    }

    /// A face that appears happy, turns sad, and leaves: new → update(emotion_changed) → end, in order.
    @Test(arguments: [MQTTSettings.ProtocolVersion.v5, .v311])
    func scriptedFaceGivesEventSequence(version: MQTTSettings.ProtocolVersion) throws {
        let broker = try TestBroker()
        let sub = try TestSubscriber(port: broker.port, topics: ["edgefer/#", "homeassistant/#"])
        let pub = try Self.publisher(port: broker.port, protocolVersion: version)
        pub.start(cameraStatus: "streaming")
        var cfg = TrackerConfig(labels: Self.labels)
        cfg.minHits = 3; cfg.maxMissed = 3; cfg.minUpdateGap = 0; cfg.updateInterval = 0; cfg.smoothing = .ema(alpha: 1)
        var tracker = Tracker(config: cfg, seed: 9)
        #expect(waitFor(5) { pub.client.stats.connected })
        var frames: [[FaceObservation]] = Array(repeating: [FaceObservation(box: Rect(x: 50, y: 60, width: 80, height: 80), probabilities: Self.probs(4))], count: 4)
        frames += Array(repeating: [FaceObservation(box: Rect(x: 52, y: 60, width: 80, height: 80), probabilities: Self.probs(6))], count: 3)
        frames += Array(repeating: [], count: 3)
        for (i, f) in frames.enumerated() {
            let t = 1_700_000_000 + Double(i) / 10
            pub.publish(tracker.step(f, time: t), time: t)
            pub.publishSummary(tracker.summary, time: t)
        }
        let topics = pub.settings.topics
        #expect(waitFor(5) { sub.messages(on: topics.events).count == 3 })
        let events = sub.messages(on: topics.events).compactMap(\.json)
        #expect(events.map { $0["type"] as? String } == ["new", "update", "end"])
        #expect(events.map { $0["seq"] as? Int } == [1, 2, 3])
        #expect(events.map { $0["emotion"] as? String } == ["happiness", "sadness", "sadness"])
        #expect(events[1]["reason"] as? String == "emotion_changed")
        let first = try #require(events.first)
        #expect(first["schema"] as? Int == 1 && first["camera"] as? String == "cam0" && first["model"] as? String == "test-model")
        #expect(Set((first["probabilities"] as? [String: Double] ?? [:]).keys) == Set(Self.labels))
        #expect((first["box"] as? [String: Int]) == ["x": 50, "y": 60, "width": 80, "height": 80])
        #expect(first["id"] as? String == events[2]["id"] as? String)
        #expect(first["first_seen"] as? Double == 1_700_000_000)
        #expect(events[2]["last_seen"] as? Double == 1_700_000_000.6)
        #expect(sub.last(on: topics.availability)?.payload == "online")
        #expect(sub.last(on: topics.cameraStatus)?.payload == "streaming")
        #expect(waitFor(2) { sub.last(on: topics.summary)?.json?["faces"] as? Int == 0 })
        let emotions = sub.messages(on: topics.summary).compactMap { $0.json?["emotion"] as? String }
        #expect(emotions.contains("happiness"))
        pub.stop(timeout: 2)
        #expect(waitFor(3) { sub.last(on: topics.availability)?.payload == "offline" })
        // a fresh subscriber sees the retained state: offline, camera status, summary, discovery
        let late = try TestSubscriber(port: broker.port, topics: ["edgefer/#", "homeassistant/#"])
        #expect(waitFor(3) { late.messages.filter(\.retained).count >= 4 })
        #expect(late.last(on: topics.availability)?.payload == "offline")
        #expect(late.last(on: topics.cameraStatus)?.retained == true)
        #expect(late.last(on: pub.discovery.topic)?.retained == true)
        #expect(late.messages(on: topics.events).isEmpty)
    }

    /// MQTT 5 properties as a real v5 subscriber (mosquitto_sub -V 5) sees them.
    @Test func mqtt5PropertiesOnEventsAndState() throws {
        let broker = try TestBroker()
        let topics = Topics(prefix: "edgefer", device: "testdev", camera: "cam0")
        let out = Pipe()
        let sub = Process()
        sub.executableURL = URL(fileURLWithPath: "/usr/bin/mosquitto_sub")
        sub.arguments = ["-V", "5", "-p", String(broker.port), "-t", topics.events, "-t", topics.availability, "-F", "%t|%C|%E|%F", "-C", "2", "-W", "10"]
        sub.standardOutput = out
        try runWithSignalsUnblocked(sub)
        usleep(300_000)   // let it subscribe
        let pub = try Self.publisher(port: broker.port)
        pub.start(cameraStatus: "streaming")
        #expect(waitFor(5) { pub.client.stats.connected })
        let e = TrackEvent(kind: .new, reason: nil, trackID: "t", box: Rect(x: 0, y: 0, width: 50, height: 50), emotion: 4,
                           label: "happiness", confidence: 0.7, probabilities: Self.probs(4, 0.7), firstSeen: 1, lastSeen: 2, time: 2)
        pub.publish([e], time: 2)
        let lines = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n").map(String.init)
        sub.waitUntilExit()
        #expect(lines.contains("edgefer/testdev/available|text/plain||1"))
        #expect(lines.contains { $0.hasPrefix("edgefer/testdev/cam0/events|application/json|") && $0.hasSuffix("|1") && ($0.contains("|60|") || $0.contains("|59|")) }, "\(lines)")
        pub.stop(timeout: 1)
    }

    /// Discovery: valid JSON with the fields HA requires for a device-based config.
    @Test func discoveryPayloadIsValidAndRepublishedOnHomeAssistantBirth() throws {
        let broker = try TestBroker()
        let sub = try TestSubscriber(port: broker.port, topics: ["homeassistant/device/#"])
        let pub = try Self.publisher(port: broker.port)
        pub.start(cameraStatus: "streaming")
        let topic = pub.discovery.topic
        #expect(topic == "homeassistant/device/ferd_testdev_cam0/config")
        #expect(waitFor(5) { sub.messages(on: topic).count == 1 })
        let json = try #require(sub.last(on: topic)?.json)
        let dev = try #require(json["dev"] as? [String: Any])
        #expect(dev["ids"] as? [String] == ["ferd_testdev_cam0"])
        #expect((json["o"] as? [String: Any])?["name"] as? String == "ferd")
        let avty = try #require(json["avty"] as? [[String: Any]])
        #expect(avty.compactMap { $0["t"] as? String } == ["edgefer/testdev/available", "edgefer/testdev/cam0/status"])
        #expect(json["avty_mode"] as? String == "all")
        let cmps = try #require(json["cmps"] as? [String: [String: Any]])
        #expect(cmps.count == 2)
        for (id, c) in cmps {
            #expect(c["p"] as? String == "sensor" && c["uniq_id"] as? String == id && c["stat_t"] as? String == "edgefer/testdev/cam0/summary")
        }
        let emotion = try #require(cmps["ferd_testdev_cam0_emotion"])
        #expect(emotion["dev_cla"] as? String == "enum" && emotion["ops"] as? [String] == Self.labels + ["none"])
        // Home Assistant restarts and announces itself: discovery is sent again
        let announcer = try MQTTClient(settings: { var s = MQTTSettings(clientID: "ha"); s.port = broker.port; return s }(), will: nil, logger: Self.logger)
        announcer.start()
        announcer.setState(topic: "homeassistant/status", payload: "online", retain: false)
        #expect(waitFor(5) { sub.messages(on: topic).count == 2 })
        announcer.stop(finalStates: [], timeout: 1)
        pub.stop(timeout: 1)
    }

    /// With discovery turned off, the config topic gets an empty retained payload (removing the device).
    @Test func disabledDiscoveryRemovesTheDevice() throws {
        let broker = try TestBroker()
        let sub = try TestSubscriber(port: broker.port, topics: ["homeassistant/#", "edgefer/#"])
        var s = EventPublisher.Settings(topics: Topics(prefix: "edgefer", device: "testdev", camera: "cam0"), modelID: "m", labels: Self.labels)
        s.homeAssistant = false
        var ms = MQTTSettings(clientID: "no-ha")
        ms.port = broker.port
        let pub = EventPublisher(client: try MQTTClient(settings: ms, will: EventPublisher.will(s.topics), logger: Self.logger), settings: s)
        pub.start(cameraStatus: "streaming")
        #expect(waitFor(5) { sub.last(on: s.topics.availability)?.payload == "online" })
        #expect(waitFor(2) { sub.messages(on: pub.discovery.topic).map(\.payload) == [""] })
        pub.stop(timeout: 1)
    }

    /// Broker stopped and restarted: events resume, nothing lost within the queue bound, drops exact beyond it.
    @Test func brokerRestartLosesNothingWithinTheQueueBound() throws {
        let broker = try TestBroker(persistence: true)
        let sub = try TestSubscriber(port: broker.port, topics: ["edgefer/testdev/cam0/events"], clientID: "restart-sub", cleanSession: false)
        let pub = try Self.publisher(port: broker.port, queue: 10)
        pub.start(cameraStatus: "streaming")
        let events = pub.settings.topics.events
        func event(_ i: Int) -> TrackEvent {
            TrackEvent(kind: .update, reason: .periodic, trackID: "t-\(i)", box: Rect(x: 0, y: 0, width: 50, height: 50), emotion: 4,
                       label: "happiness", confidence: 0.7, probabilities: Self.probs(4, 0.7), firstSeen: 1, lastSeen: 2, time: 2)
        }
        #expect(waitFor(5) { pub.client.stats.connected })
        for i in 1...5 { pub.publish([event(i)], time: 2) }
        #expect(waitFor(5) { sub.messages(on: events).count == 5 && pub.client.stats.inflight == 0 })

        broker.stop()
        #expect(waitFor(5) { !pub.client.stats.connected })
        for i in 6...30 { pub.publish([event(i)], time: 2) }   // 25 events into a queue of 10: 15 dropped, oldest first
        #expect(pub.client.stats.queueDrops == 15)
        #expect(pub.client.stats.queueDepth == 10)

        try broker.start()
        #expect(waitFor(10) { pub.client.stats.connected && pub.client.stats.queueDepth == 0 && pub.client.stats.inflight == 0 })
        #expect(waitFor(10) { Set(sub.messages(on: events).compactMap { $0.json?["seq"] as? Int }).count == 15 })
        let seqs = Set(sub.messages(on: events).compactMap { $0.json?["seq"] as? Int })
        #expect(seqs == Set(Array(1...5) + Array(21...30)))
        if seqs.count != 15 { print(broker.log) }
        #expect(pub.client.stats.reconnects == 1 && pub.client.stats.queueDrops == 15)
        pub.stop(timeout: 1)
    }

    /// A broker that lost everything (no persistence) gets availability, camera status, summary and
    /// discovery again on reconnect.
    @Test func retainedStateIsRepublishedAfterReconnect() throws {
        let broker = try TestBroker()
        let pub = try Self.publisher(port: broker.port)
        pub.start(cameraStatus: "streaming")
        #expect(waitFor(5) { pub.client.stats.connected })
        broker.stop()
        #expect(waitFor(5) { !pub.client.stats.connected })
        try broker.start()
        #expect(waitFor(8) { pub.client.stats.connected && pub.client.stats.inflight == 0 })
        let sub = try TestSubscriber(port: broker.port, topics: ["edgefer/#", "homeassistant/#"])
        let t = pub.settings.topics
        #expect(waitFor(3) { sub.messages.filter(\.retained).count >= 4 })
        #expect(sub.last(on: t.availability)?.payload == "online" && sub.last(on: t.cameraStatus)?.payload == "streaming")
        #expect(sub.last(on: t.summary)?.json?["faces"] as? Int == 0)
        #expect(sub.last(on: pub.discovery.topic)?.json?["cmps"] != nil)
        pub.stop(timeout: 1)
    }

    /// Events keep coming while the broker stops and restarts: those handed over but not acknowledged
    /// are re-sent after the reconnect, so with a large enough queue every event arrives.
    @Test func eventsInFlightDuringABrokerRestartAreResent() throws {
        let broker = try TestBroker(persistence: true)
        let sub = try TestSubscriber(port: broker.port, topics: ["edgefer/testdev/cam0/events"], clientID: "inflight-sub", cleanSession: false)
        let pub = try Self.publisher(port: broker.port, queue: 1000)
        pub.start(cameraStatus: "streaming")
        #expect(waitFor(5) { pub.client.stats.connected })
        let e = TrackEvent(kind: .update, reason: .periodic, trackID: "t", box: Rect(x: 0, y: 0, width: 50, height: 50), emotion: 4,
                           label: "happiness", confidence: 0.7, probabilities: Self.probs(4, 0.7), firstSeen: 1, lastSeen: 2, time: 2)
        for i in 1...300 {
            pub.publish([e], time: 2)
            if i == 100 { broker.stop() }     // some of events 1-100 are still in flight here
            if i == 200 { try broker.start() }
            usleep(2_000)
        }
        let topic = pub.settings.topics.events
        #expect(waitFor(15) { Set(sub.messages(on: topic).compactMap { $0.json?["seq"] as? Int }).count == 300 })
        #expect(pub.client.stats.queueDrops == 0)
        pub.stop(timeout: 1)
    }

    /// A refused login (unknown user) is retried: once the broker learns the user (password file
    /// reloaded on SIGHUP), ferd connects without a restart. libmosquitto's own thread stops on such
    /// errors, so this checks our supervisor.
    @Test(arguments: [MQTTSettings.ProtocolVersion.v5, .v311])
    func refusedLoginIsRetriedUntilTheBrokerAcceptsIt(version: MQTTSettings.ProtocolVersion) throws {
        let dir = try makeTempDir("login")
        defer { try? FileManager.default.removeItem(at: dir) }
        let passwd = dir.appendingPathComponent("passwd").path
        try TLSTests.run("/usr/bin/mosquitto_passwd", ["-b", "-c", passwd, "someone", "x"], in: dir)
        chmod(dir.path, 0o755); chmod(passwd, 0o644)
        let broker = try TestBroker(listenerConfig: "password_file \(passwd)\nallow_anonymous false")
        let pub = try Self.publisher(port: broker.port, protocolVersion: version) { $0.username = "ferd"; $0.password = "late" }
        pub.start(cameraStatus: "streaming")
        usleep(1_500_000)
        #expect(!pub.client.stats.connected)
        try TLSTests.run("/usr/bin/mosquitto_passwd", ["-b", passwd, "ferd", "late"], in: dir)
        chmod(passwd, 0o644)
        broker.reload()
        #expect(waitFor(8) { pub.client.stats.connected })
        pub.stop(timeout: 1)
    }

    /// A publisher started before its broker exists connects once the broker appears.
    @Test func connectsWhenTheBrokerComesUpLater() throws {
        let port = try TestBroker.freePort()
        let pub = try Self.publisher(port: port)
        pub.start(cameraStatus: "no_device")
        pub.publish([], time: 0)
        usleep(300_000)
        #expect(!pub.client.stats.connected)
        // now bring up a broker on exactly that port
        let dir = try makeTempDir("late-broker")
        defer { try? FileManager.default.removeItem(at: dir) }
        try "listener \(port) 127.0.0.1\nallow_anonymous true\n".write(to: dir.appendingPathComponent("m.conf"), atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: TestBroker.mosquittoPath())
        p.arguments = ["-c", dir.appendingPathComponent("m.conf").path]
        p.standardError = FileHandle.nullDevice
        try runWithSignalsUnblocked(p)
        defer { kill(p.processIdentifier, SIGTERM); p.waitUntilExit() }
        #expect(waitFor(8) { pub.client.stats.connected })
        pub.stop(timeout: 1)
    }

    /// SIGTERM while the broker is away must not wait out a long reconnect backoff.
    @Test func stopIsPromptWhileBackingOff() throws {
        let pub = try Self.publisher(port: try TestBroker.freePort()) { $0.reconnectMinSeconds = 30; $0.reconnectMaxSeconds = 60 }
        pub.start(cameraStatus: "streaming")
        pub.publish([], time: 0)
        usleep(300_000)
        let t0 = Date()
        pub.stop(timeout: 0.2)
        #expect(Date().timeIntervalSince(t0) < 1.5)
    }

    @Test func boundedQueueCountsDropsExactly() {
        var q = OutboundQueue(capacity: 3, policy: .dropOldest)
        for i in 0..<5 { q.push(OutboundMessage(topic: "t", payload: [UInt8(i)])) }
        #expect(q.dropped == 2 && q.count == 3)
        #expect([q.popFirst(), q.popFirst(), q.popFirst()].map { $0?.payload } == [[2], [3], [4]])
        var n = OutboundQueue(capacity: 2, policy: .dropNewest)
        for i in 0..<5 { n.push(OutboundMessage(topic: "t", payload: [UInt8(i)])) }
        #expect(n.dropped == 3 && n.popFirst()?.payload == [0] && n.popFirst()?.payload == [1] && n.popFirst() == nil)
    }

    @Test func jsonWriterEscapesAndOrders() throws {
        var w = JSONWriter()
        w.beginObject(); w.string("a\"b", "x\ny\u{1}"); w.number("f", Float(0.25)); w.number("n", Double.nan); w.int("i", -3)
        w.beginArray("l"); w.bool(nil, true); w.string(nil, nil); w.endArray(); w.endObject()
        #expect(w.text == #"{"a\"b":"x\ny\u0001","f":0.25,"n":null,"i":-3,"l":[true,null]}"#)
        #expect(try JSONSerialization.jsonObject(with: Data(w.text.utf8)) is [String: Any])
    }
}
