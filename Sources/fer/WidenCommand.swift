import ArgumentParser
import Foundation
import Train

/// `fer widen`: grows a trained checkpoint into a wider model spec that computes the same outputs,
/// so a bigger model can train on from it (`fer train --init-from`) instead of from scratch.
struct WidenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "widen",
        abstract: "Grow a checkpoint into a wider spec (more filters/units, same layers) that computes the same outputs; train it with --init-from.")

    @Option(help: "The wider model spec (same layer list, filter and hidden unit counts at least the checkpoint's).") var spec: String
    @Option(help: "Output checkpoint file.") var output: String
    @Option(help: "Seed for the new units' initial weights.") var seed: UInt64 = 1
    @Argument(help: "Trained checkpoint (RUN/checkpoints/epoch-NNN.ckpt).") var checkpoint: String

    func run() throws {
        let wider = try loadSpec(spec)
        let source = try Checkpoint(contentsOf: URL(fileURLWithPath: checkpoint))
        let grown = try source.widened(to: wider, seed: seed, path: checkpoint)
        try grown.write(to: URL(fileURLWithPath: output))
        print("wrote \(output): \(checkpoint) (epoch \(source.epoch)) widened to \(spec)")
    }
}
