import ArgumentParser
import Daemon
import FoundationEssentials
import Glibc
import Logging

/// `ferd`: the EdgeFER daemon (camera → faces → emotions → MQTT).
@main
struct FerdCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ferd", abstract: "EdgeFER facial-expression daemon.",
        discussion: "Publishes per-face emotion events over MQTT. SIGHUP reloads the configuration; SIGTERM stops cleanly.")

    @Option(name: .long, help: "Configuration file (default \(ConfigLoader.defaultPath) when it exists, else built-in defaults).")
    var config: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override one key, e.g. --set mqtt.host=broker.lan (repeatable).", valueName: "section.key=value"))
    var overrides: [String] = []

    @Flag(name: .customLong("check-config"), help: "Validate the configuration and exit: 0 when valid, 78 with the reason when not.")
    var checkConfig = false

    func run() throws {
        if checkConfig {
            do {
                let c = try ConfigLoader.load(path: config, overrides: overrides)
                print("configuration OK: camera \(c.camera.name) (\(c.camera.source)), mqtt \(c.mqttEnabled ? "\(c.mqtt.host):\(c.mqtt.port)" : "off")")
                return
            } catch {
                _ = Array("ferd: \(error)\n".utf8).withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
                throw ExitCode(Daemon.exitConfig)
            }
        }
        LoggingSystem.bootstrap { JournalLogHandler(label: $0) }
        let signals = SignalFlags()
        let daemon = Daemon(configPath: config, overrides: overrides, signals: signals, logger: Logger(label: "ferd"))
        let status = daemon.run()
        if status != 0 { throw ExitCode(status) }
    }
}
