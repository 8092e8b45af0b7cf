import ArgumentParser
import Daemon

/// `ferd`: the EdgeFER daemon (camera → faces → emotions → MQTT).
@main
struct FerdCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ferd", abstract: "EdgeFER facial-expression daemon.")
    func run() throws {
        print("ferd: not yet implemented")
    }
}
