/// Home Assistant device-based MQTT discovery (HA ≥ 2024.11): one retained payload on
/// `<discovery_prefix>/device/<id>/config` declaring the camera's sensors (shared/guides/ecosystem.md §2).
public struct Discovery: Sendable {
    public var discoveryPrefix: String
    public var topics: Topics
    public var labels: [String]
    public var version: String

    public init(discoveryPrefix: String, topics: Topics, labels: [String], version: String) {
        self.discoveryPrefix = discoveryPrefix
        self.topics = topics
        self.labels = labels
        self.version = version
    }

    /// `[a-zA-Z0-9_-]` id of the HA device: one per ferd instance (device + camera).
    public var deviceID: String { "ferd_\(topics.device)_\(topics.camera)" }
    public var topic: String { "\(discoveryPrefix)/device/\(deviceID)/config" }

    public var payload: String {
        var w = JSONWriter()
        w.beginObject()
        w.beginObject("dev")
        w.beginArray("ids"); w.string(nil, deviceID); w.endArray()
        w.string("name", "ferd \(topics.device) \(topics.camera)")
        w.string("mf", "EdgeFER")
        w.string("mdl", "ferd")
        w.string("sw", version)
        w.endObject()
        w.beginObject("o")
        w.string("name", "ferd")
        w.string("sw", version)
        w.endObject()
        // available only while ferd is online AND the camera streams
        w.beginArray("avty")
        w.beginObject(); w.string("t", topics.availability); w.endObject()
        w.beginObject()
        w.string("t", topics.cameraStatus)
        w.string("val_tpl", "{{ 'online' if value == 'streaming' else 'offline' }}")
        w.endObject()
        w.endArray()
        w.string("avty_mode", "all")
        w.int("qos", 1)
        w.beginObject("cmps")
        w.beginObject("\(deviceID)_emotion")
        w.string("p", "sensor")
        w.string("name", "Dominant emotion")
        w.string("dev_cla", "enum")
        w.beginArray("ops")
        for l in labels { w.string(nil, l) }
        w.string(nil, "none")
        w.endArray()
        w.string("stat_t", topics.summary)
        w.string("val_tpl", "{{ value_json.emotion }}")
        w.string("json_attr_t", topics.summary)
        w.string("uniq_id", "\(deviceID)_emotion")
        w.endObject()
        w.beginObject("\(deviceID)_faces")
        w.string("p", "sensor")
        w.string("name", "Faces")
        w.string("stat_t", topics.summary)
        w.string("val_tpl", "{{ value_json.faces }}")
        w.string("stat_cla", "measurement")
        w.string("uniq_id", "\(deviceID)_faces")
        w.endObject()
        w.endObject()
        w.endObject()
        return w.text
    }
}
