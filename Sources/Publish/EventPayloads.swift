import Track

/// JSON payloads of every topic, schema version 1 (docs/events.md). Keys are written in a fixed order.
public enum EventPayloads {
    public static let schema = 1

    /// A per-face event; `seq` counts events of this process from 1, so a consumer sees gaps (drops).
    public static func event(_ e: TrackEvent, seq: Int, camera: String, device: String, model: String, labels: [String]) -> String {
        var w = JSONWriter()
        w.beginObject()
        w.int("schema", schema)
        w.string("type", e.kind.rawValue)
        w.int("seq", seq)
        w.string("id", e.trackID)
        w.string("device", device)
        w.string("camera", camera)
        w.number("time", e.time)
        w.number("first_seen", e.firstSeen)
        w.number("last_seen", e.lastSeen)
        w.string("reason", e.reason?.rawValue)
        box(&w, e)
        w.string("emotion", e.label)
        w.number("confidence", e.confidence)
        w.beginObject("probabilities")
        for (i, label) in labels.enumerated() where i < e.probabilities.count { w.number(label, e.probabilities[i]) }
        w.endObject()
        w.string("model", model)
        w.endObject()
        return w.text
    }

    private static func box(_ w: inout JSONWriter, _ e: TrackEvent) {
        w.beginObject("box")
        w.int("x", e.box.x)
        w.int("y", e.box.y)
        w.int("width", e.box.width)
        w.int("height", e.box.height)
        w.endObject()
    }

    /// The retained per-camera summary; `emotion` is `"none"` without faces (a valid enum option for HA).
    public static func summary(_ s: TrackSummary, time: Double, camera: String) -> String {
        var w = JSONWriter()
        w.beginObject()
        w.int("schema", schema)
        w.string("camera", camera)
        w.number("time", time)
        w.int("faces", s.faces)
        w.string("emotion", s.label ?? "none")
        w.endObject()
        return w.text
    }
}

/// Counters of the whole daemon for the stats topic.
public struct DaemonStats: Sendable, Equatable {
    public var time = 0.0
    public var uptime = 0.0
    public var camera = "no_device"
    public var fps = 0.0
    public var frames = 0
    public var droppedFrames = 0
    public var detectMs = 0.0
    public var inferMs = 0.0
    public var faces = 0
    public var events = 0
    public var mqtt = MQTTStats()

    public init() {}

    public var json: String {
        var w = JSONWriter()
        w.beginObject()
        w.int("schema", EventPayloads.schema)
        w.number("time", time)
        w.number("uptime", uptime)
        w.string("camera", camera)
        w.number("fps", fps)
        w.int("frames", frames)
        w.int("dropped_frames", droppedFrames)
        w.number("detect_ms", detectMs)
        w.number("infer_ms", inferMs)
        w.int("faces", faces)
        w.int("events", events)
        w.bool("connected", mqtt.connected)
        w.int("queue_depth", mqtt.queueDepth)
        w.int("queue_drops", mqtt.queueDrops)
        w.int("inflight", mqtt.inflight)
        w.int("reconnects", mqtt.reconnects)
        w.endObject()
        return w.text
    }
}
