import ArgumentParser

/// `fer`: the offline companion (data, training, quantization, detection, benchmarks).
@main
struct FerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fer", abstract: "EdgeFER offline tool: data → train → quantize → export; detect, classify, bench.",
        subcommands: [
            InspectCommand.self,
            InferCommand.self,
            ClassifyCommand.self,
            DetectCommand.self,
            BenchCommand.self,
            DataCommand.self,
            TrainCommand.self,
            EvalCommand.self,
            AverageCommand.self,
            WidenCommand.self,
            DeepenCommand.self,
            ImportCommand.self,
            ExportCommand.self,
            EvalModelCommand.self,
        ])
}
