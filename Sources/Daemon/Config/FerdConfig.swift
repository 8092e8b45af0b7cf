import Publish
import Track

/// Everything `ferd` reads from its one TOML file; defaults are those documented in `config/ferd.toml`.
public struct FerdConfig: Sendable, Equatable {
    public struct Camera: Sendable, Equatable {
        /// Topic level and Home Assistant id of this camera (`[a-zA-Z0-9_-]`).
        public var name = "cam0"
        /// `/dev/videoN`, `/dev/v4l/by-id/...`; `auto` (/dev/video0 when present, else the committed
        /// samples); `folder:DIR` and `mjpeg:FILE` play JPEGs as a camera; `script:FILE` is the scripted
        /// development source (docs/events.md).
        public var source = "/dev/video0"
        public var width = 640
        public var height = 480
        public var fps = 30
        /// "auto", or a V4L2 fourcc: "YUYV", "GREY", "MJPG".
        public var pixelFormat = "auto"
        public var buffers = 4
        public var retryMaxSeconds = 30
        /// JPEG frames (MJPEG cameras, folder and MJPEG-file sources) are DCT-decoded at 1/this size (1, 2, 4, 8).
        public var decodeScale = 1
    }
    public struct Detector: Sendable, Equatable {
        public var cascade = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml"
        public var scaleFactor = 1.1
        public var minNeighbors = 3
        public var minSize = 40
        public var maxSize = 0
        /// Detect on a frame downscaled by this integer factor.
        public var downscale = 1
        /// Full-frame scan every N frames, regions around known faces in between; 1 = always full.
        public var fullScanEvery = 5
        /// With full_scan_every > 1: run the whole-frame scans on their own thread, frames only
        /// scan around known faces (no frame waits for a whole-frame scan).
        public var backgroundFullScan = true
        /// Threads sharing one frame's window scan (2: the target boards' two cores).
        public var threads = 2
    }
    public struct Model: Sendable, Equatable {
        /// Empty: the shipped default model in firmware-models/.
        public var path = ""
        /// Margin added around each face box before cropping, as a fraction of its size.
        public var margin = 0.1
        /// Threads of the batched classification.
        public var threads = 2
        /// Faces per classification call; a frame with more runs in several calls. The interpreter's
        /// memory grows with it (the reference model: ~1.5 MB per face on top of its 1.2 MB of weights).
        public var batch = 4
    }
    public struct Stats: Sendable, Equatable {
        public var interval = 60.0
    }
    public struct HomeAssistant: Sendable, Equatable {
        public var enabled = true
        public var discoveryPrefix = "homeassistant"
        public var statusTopic = "homeassistant/status"
    }
    public struct Logging: Sendable, Equatable {
        public var level = "info"
    }

    public var camera = Camera()
    public var detector = Detector()
    public var model = Model()
    public var tracker = TrackerConfig(labels: FerdConfig.defaultLabels)
    public var mqttEnabled = true
    public var mqtt = MQTTSettings(clientID: "")
    public var topicPrefix = "edgefer"
    /// Topic level naming this machine; default: the hostname.
    public var device = ""
    public var homeAssistant = HomeAssistant()
    public var stats = Stats()
    public var logging = Logging()

    /// FERPlus class order (the reference model's labels), used when the model carries none.
    public static let defaultLabels = ["anger", "contempt", "disgust", "fear", "happiness", "neutral", "sadness", "surprise"]

    public init() {}

    static let knownTables: Set<String> = ["camera", "detector", "model", "tracker", "mqtt", "mqtt.tls", "homeassistant", "stats", "logging"]
}
