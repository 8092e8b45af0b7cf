import ArgumentParser
import Foundation
import Inference

/// `fer infer MODEL --input IN.bin --output OUT.bin`: raw tensors in and out, so anyone can
/// compare the engine with another runtime.
struct InferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Run a TFLite model on raw input tensors (the input's dtype, N inputs concatenated).")

    @Argument(help: "The .tflite file.")
    var model: String

    @Option(help: "Raw input tensors, little-endian, concatenated.")
    var input: String

    @Option(help: "Where to write the raw output tensors, concatenated in input order.")
    var output: String

    @Option(help: "Samples per interpreter call (1 when the model cannot batch).")
    var batch = 16

    @Flag(help: "Run every operator on the reference kernels instead of the fast C kernels.")
    var reference = false

    func validate() throws {
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
    }

    func run() throws {
        let bytes = try readFile(model)
        let fast: FastOptions? = reference ? nil : FastOptions()
        var interpreter = try Interpreter(bytes: bytes, maxBatch: 1, fast: fast)
        guard interpreter.inputs.count == 1, interpreter.outputs.count == 1 else {
            throw ValidationError("fer infer handles models with one input and one output")
        }
        let inputBytes = try readFile(input)
        let each = interpreter.inputs[0].bytesPerSample
        guard each > 0, inputBytes.count % each == 0, !inputBytes.isEmpty else {
            throw ValidationError("\(input): \(inputBytes.count) bytes is not a multiple of one input (\(each) bytes, "
                                  + "\(interpreter.inputs[0].type) \(interpreter.inputs[0].shape))")
        }
        let count = inputBytes.count / each
        if min(batch, count) > 1, let batched = try? Interpreter(bytes: bytes, maxBatch: min(batch, count), fast: fast) {
            interpreter = batched
        }
        var result: [UInt8] = []
        result.reserveCapacity(count * interpreter.outputs[0].bytesPerSample)
        let start = Date()
        var done = 0
        while done < count {
            let n = min(interpreter.maxBatch, count - done)
            result += try interpreter.run(Array(inputBytes[done * each..<(done + n) * each]), batch: n)
            done += n
        }
        let seconds = Date().timeIntervalSince(start)
        guard FileManager.default.createFile(atPath: output, contents: Data(result)) else {
            throw ValidationError("cannot write \(output)")
        }
        let kernels = !interpreter.usesFastKernels ? "reference kernels" : "fast kernels"
        let line = "\(count) input(s), \(kernels), batch \(interpreter.maxBatch), \(String(format: "%.3f", seconds * 1000 / Double(count))) ms each, "
            + "wrote \(result.count) bytes to \(output)\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
