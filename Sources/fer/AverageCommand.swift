import ArgumentParser
import Foundation
import Train

/// `fer average`: one checkpoint whose weights and BN statistics are the mean of several epochs of
/// one run (for export; it carries no optimizer state, so training cannot resume from it).
struct AverageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "average",
        abstract: "Average the weights and BN statistics of several checkpoints of one run into one checkpoint for export.")

    @Option(help: "Output checkpoint file.") var output: String
    @Argument(help: "Checkpoints of one run (RUN/checkpoints/epoch-NNN.ckpt), at least two.") var checkpoints: [String]

    func validate() throws {
        guard checkpoints.count >= 2 else { throw ValidationError("give at least two checkpoints to average") }
    }

    func run() throws {
        let loaded = try checkpoints.map { try Checkpoint(contentsOf: URL(fileURLWithPath: $0)) }
        let mean = try Checkpoint.averaged(loaded, paths: checkpoints)
        try mean.write(to: URL(fileURLWithPath: output))
        print("wrote \(output): mean of \(checkpoints.count) checkpoints (epochs \(loaded.map { String($0.epoch) }.joined(separator: ", ")))")
    }
}
