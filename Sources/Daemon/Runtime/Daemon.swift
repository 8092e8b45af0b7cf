import Capture
import FoundationEssentials
import Logging
import Publish
import Track

/// The ferd service: configuration, the frame loop (pipeline → tracker → publisher), systemd
/// notifications, signals and stats. `run()` returns the process exit status.
public final class Daemon {
    /// EX_CONFIG from sysexits.h: systemd's RestartPreventExitStatus=78 stops a restart loop on a bad config.
    public static let exitConfig: Int32 = 78
    public static let version = "0.1.0"

    private let configPath: String?
    private let overrides: [String]
    private let makePipeline: PipelineFactory
    private let logger: Logger
    private let notifier = Notifier()
    private let signals: SignalFlags

    private var config = FerdConfig()
    private var pipeline: (any FacePipeline)?
    private var tracker: Tracker?
    private var publisher: EventPublisher?
    private var ready = false
    private var lastCamera: CameraState?

    // stats of the current interval
    private let started = Date().timeIntervalSince1970
    private var intervalStart = Date().timeIntervalSince1970
    private var framesTotal = 0
    private var intervalFrames = 0
    private var intervalDetectMs = 0.0
    private var intervalInferMs = 0.0
    private var latencyMaxMs = 0.0   // frame capture → tracker decision, since the last STATUS line
    private var lastStatusLine = 0.0
    private var eventsTotal = 0

    public init(configPath: String?, overrides: [String], signals: SignalFlags, logger: Logger,
                makePipeline: @escaping PipelineFactory = Daemon.builtinPipeline) {
        self.configPath = configPath
        self.overrides = overrides
        self.signals = signals
        self.logger = logger
        self.makePipeline = makePipeline
    }

    /// The pipelines built into this ferd: `script:FILE` plays scripted observations; anything else
    /// (a V4L2 device, `auto`, `folder:DIR`, `mjpeg:FILE`) runs the camera pipeline.
    public static func builtinPipeline(_ config: FerdConfig) throws -> any FacePipeline {
        if config.camera.source.hasPrefix("script:") {
            return try ScriptedPipeline(path: String(config.camera.source.dropFirst("script:".count)), fps: config.camera.fps)
        }
        return try CameraPipeline(config: config)
    }

    public func run() -> Int32 {
        do {
            config = try ConfigLoader.load(path: configPath, overrides: overrides)
        } catch {
            logger.critical("configuration: \(error)")
            notifier.status("bad configuration: \(error)")
            return Self.exitConfig
        }
        LogLevelBox.shared.level = Logger.Level(rawValue: config.logging.level) ?? .info
        do {
            pipeline = try makePipeline(config)
        } catch let error as ConfigError {
            logger.critical("pipeline: \(error)")
            return Self.exitConfig
        } catch {
            logger.critical("pipeline: \(error)")
            return 1
        }
        guard let pipeline else { return 1 }
        var trackerConfig = config.tracker
        trackerConfig.labels = pipeline.labels
        tracker = Tracker(config: trackerConfig, seed: UInt64.random(in: 0...UInt64.max))
        do {
            publisher = try makePublisher(config, pipeline: pipeline)
        } catch {
            logger.critical("mqtt: \(error)")
            return 1
        }
        logger.notice("ferd \(Self.version) started: camera \(config.camera.name) from \(config.camera.source), model \(pipeline.modelID)")
        if config.mqtt.port == 8883 && config.mqtt.tls == nil { logger.warning("mqtt: port 8883 is usually TLS, but [mqtt.tls] is not enabled") }
        if let w = notifier.watchdogInterval { logger.info("systemd watchdog: pinging every \(w) s") }

        while !signals.stopRequested {
            let now = Date().timeIntervalSince1970
            notifier.watchdog(now: now)
            if signals.takeReload() { reload() }
            let frame: PipelineFrame?
            do {
                frame = try pipeline.nextFrame(timeout: 0.25)
            } catch {
                logger.error("pipeline: \(error)")
                frame = nil
            }
            cameraChanged(pipeline.cameraState, time: now)
            if let frame { process(frame) }
            periodic(now: Date().timeIntervalSince1970)
        }
        return shutdown()
    }

    private func makePublisher(_ c: FerdConfig, pipeline: any FacePipeline) throws -> EventPublisher? {
        guard c.mqttEnabled else { return nil }
        let topics = Topics(prefix: c.topicPrefix, device: c.device, camera: c.camera.name)
        let client = try MQTTClient(settings: c.mqtt, will: EventPublisher.will(topics), logger: logger)
        var s = EventPublisher.Settings(topics: topics, modelID: pipeline.modelID, labels: pipeline.labels)
        s.homeAssistant = c.homeAssistant.enabled
        s.discoveryPrefix = c.homeAssistant.discoveryPrefix
        s.homeAssistantStatusTopic = c.homeAssistant.statusTopic
        s.version = Self.version
        let p = EventPublisher(client: client, settings: s)
        p.start(cameraStatus: pipeline.cameraState.rawValue)
        logger.info("mqtt: publishing to \(c.mqtt.host):\(c.mqtt.port) under \(topics.prefix)/\(topics.device) as \(c.mqtt.clientID)")
        return p
    }

    private func process(_ frame: PipelineFrame) {
        guard var t = tracker else { return }
        let events = t.step(frame.observations, time: frame.time)
        tracker = t
        if frame.captureNanos > 0 {
            latencyMaxMs = max(latencyMaxMs, Double(Monotonic.nanos() &- frame.captureNanos) / 1e6)
        }
        framesTotal += 1
        intervalFrames += 1
        intervalDetectMs += frame.detectMs
        intervalInferMs += frame.inferMs
        emit(events, time: frame.time)
    }

    private func emit(_ events: [TrackEvent], time: Double) {
        guard let t = tracker else { return }
        eventsTotal += events.count
        for e in events { logger.debug("face \(e.kind.rawValue) \(e.trackID) \(e.label) \(e.confidence) box \(e.box) p \(e.probabilities)") }
        publisher?.publish(events, time: time)
        publisher?.publishSummary(t.summary, time: time)
    }

    private func cameraChanged(_ state: CameraState, time: Double) {
        guard state != lastCamera else { return }
        let before = lastCamera
        lastCamera = state
        publisher?.publishCameraStatus(state.rawValue)
        if state == .streaming {
            if before != nil { logger.notice("camera \(config.camera.name): streaming again") }
            if !ready {
                ready = true
                notifier.ready(status: "streaming \(config.camera.name), model \(pipeline?.modelID ?? "?")")
            }
        } else {
            logger.warning("camera \(config.camera.name): \(state.rawValue)")
            notifier.status("camera \(config.camera.name): \(state.rawValue)")
            if var t = tracker {   // faces cannot be followed through an outage
                let ends = t.endAll(time: time)
                tracker = t
                emit(ends, time: time)
            }
        }
    }

    private func periodic(now: Double) {
        let elapsed = now - intervalStart
        if config.stats.interval > 0 && elapsed >= config.stats.interval {
            publisher?.publishStats(stats(now: now, elapsed: elapsed))
            intervalStart = now
            intervalFrames = 0
            intervalDetectMs = 0
            intervalInferMs = 0
        }
        if ready && now - lastStatusLine >= 5 {
            lastStatusLine = now
            let fps = elapsed > 0 ? Double(intervalFrames) / elapsed : 0
            let mqtt = publisher.map { $0.client.stats.connected ? "mqtt connected" : "mqtt disconnected" } ?? "mqtt off"
            let latency = latencyMaxMs > 0 ? ", frame-to-decision max \(latencyMaxMs.fixed(1)) ms" : ""
            latencyMaxMs = 0
            notifier.status("\(lastCamera?.rawValue ?? "?") \(fps.fixed(1)) fps, \(tracker?.confirmedCount ?? 0) faces, \(mqtt)\(latency)")
        }
    }

    /// Counters for the stats topic over the last `elapsed` seconds.
    func stats(now: Double, elapsed: Double) -> DaemonStats {
        var s = DaemonStats()
        s.time = now
        s.uptime = now - started
        s.camera = lastCamera?.rawValue ?? "no_device"
        s.fps = elapsed > 0 ? Double(intervalFrames) / elapsed : 0
        s.frames = framesTotal
        s.droppedFrames = pipeline?.droppedFrames ?? 0
        s.detectMs = intervalFrames > 0 ? intervalDetectMs / Double(intervalFrames) : 0
        s.inferMs = intervalFrames > 0 ? intervalInferMs / Double(intervalFrames) : 0
        s.faces = tracker?.confirmedCount ?? 0
        s.events = eventsTotal
        s.mqtt = publisher?.client.stats ?? MQTTStats()
        return s
    }

    /// SIGHUP: re-read and validate; anything wrong keeps the running configuration.
    private func reload() {
        notifier.reloading()
        defer { notifier.ready(status: "reloaded; \(lastCamera?.rawValue ?? "?") \(config.camera.name)") }
        let new: FerdConfig
        do {
            new = try ConfigLoader.load(path: configPath, overrides: overrides)
        } catch {
            logger.error("reload: \(error); keeping the running configuration")
            return
        }
        guard new != config, let pipeline else {
            logger.info("reload: configuration unchanged")
            return
        }
        do {
            try pipeline.reconfigure(new)
        } catch {
            logger.error("reload: pipeline rejected the new configuration: \(error); keeping the running configuration")
            return
        }
        let old = config
        config = new
        LogLevelBox.shared.level = Logger.Level(rawValue: new.logging.level) ?? .info
        let now = Date().timeIntervalSince1970
        if new.tracker != old.tracker, var t = tracker {
            let ends = t.endAll(time: now)
            tracker = t
            emit(ends, time: now)
            var tc = new.tracker
            tc.labels = pipeline.labels
            tracker = Tracker(config: tc, seed: UInt64.random(in: 0...UInt64.max))
        }
        if new.mqtt != old.mqtt || new.mqttEnabled != old.mqttEnabled || new.topicPrefix != old.topicPrefix || new.device != old.device
            || new.camera.name != old.camera.name || new.homeAssistant != old.homeAssistant {
            publisher?.stop(timeout: 2)
            do {
                publisher = try makePublisher(new, pipeline: pipeline)
            } catch {
                logger.error("reload: mqtt: \(error); running without MQTT until the next reload")
                publisher = nil
            }
        }
        logger.notice("reload: new configuration applied")
    }

    private func shutdown() -> Int32 {
        logger.notice("\(signals.signalName): stopping")
        notifier.stopping()
        let now = Date().timeIntervalSince1970
        if var t = tracker {
            let ends = t.endAll(time: now)
            tracker = t
            emit(ends, time: now)
        }
        pipeline?.stop()
        if let publisher {
            let left = publisher.stop(timeout: 3)
            if left > 0 { logger.warning("mqtt: \(left) messages not acknowledged at exit") }
        }
        logger.notice("stopped")
        return 0
    }
}
