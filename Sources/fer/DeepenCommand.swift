import ArgumentParser
import Foundation
import Train

/// `fer deepen`: grows a trained checkpoint into a deeper model spec (inserted conv + BN pairs that
/// start as the identity), so a deeper model can train on from it with `fer train --init-from`.
struct DeepenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deepen",
        abstract: "Grow a checkpoint into a deeper spec (inserted `conv F k relu` + `bn` pairs after a ReLU layer's `bn` of F channels) that computes the same outputs; train it with --init-from.")

    @Option(help: "The deeper model spec (the checkpoint's layers in order plus inserted conv + bn pairs).") var spec: String
    @Option(help: "Output checkpoint file.") var output: String
    @Argument(help: "Trained checkpoint (RUN/checkpoints/epoch-NNN.ckpt).") var checkpoint: String

    func run() throws {
        let deeper = try loadSpec(spec)
        let source = try Checkpoint(contentsOf: URL(fileURLWithPath: checkpoint))
        let grown = try source.deepened(to: deeper, path: checkpoint)
        try grown.write(to: URL(fileURLWithPath: output))
        print("wrote \(output): \(checkpoint) (epoch \(source.epoch)) deepened to \(spec)")
    }
}
