import ArgumentParser

/// `fer bench`: speed of our components against their anchors, measured in one run.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Benchmarks against the anchors (LiteRT, OpenCV, Keras).",
        subcommands: [
            BenchInferCommand.self,
            BenchDetectCommand.self,
            BenchTrainCommand.self,
            BenchPipelineCommand.self,
        ])
}
