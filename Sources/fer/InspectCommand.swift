import ArgumentParser
import Foundation
import Inference
import TFLiteModel

/// `fer inspect MODEL.tflite`: a Keras-summary-like table of a TFLite model's layers.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a TFLite model's layers, shapes, quantization, MACs and parameters.")

    @Argument(help: "The .tflite file.")
    var model: String

    func run() throws {
        let bytes = try readFile(model)
        let decoded = try Model(bytes: bytes)
        let graph = decoded.subgraphs[0]
        print("Model: \(model) (\(bytes.count) bytes, schema v\(decoded.version), \(decoded.subgraphs.count) subgraph(s), "
              + "\(graph.tensors.count) tensors, \(graph.operators.count) operators)")
        if let description = decoded.description { print("Description: \(description)") }
        let interpreter: Interpreter
        do {
            interpreter = try Interpreter(model: decoded)
        } catch {
            print("Operators: " + graph.operators.map { decoded.operatorCodes[Int($0.opcodeIndex)].op.description }.joined(separator: ", "))
            throw error
        }
        for info in interpreter.inputs { print("Input:  " + describe(info)) }
        for info in interpreter.outputs { print("Output: " + describe(info)) }
        print("")
        let header = [pad("#", 4), pad("Layer (type)", 20), pad("Output shape", 18), pad("Quantization", 24),
                      padLeft("MACs", 13), padLeft("Params", 11), "  Details"].joined()
        print(header)
        print(String(repeating: "=", count: header.count + 20))
        for layer in interpreter.layers {
            let quant = layer.outputQuantization.map { "s=\(format($0.scale)) zp=\($0.zeroPoint)" } ?? layer.outputType.description
            print([pad("\(layer.index)", 4), pad(layer.op, 20), pad("\(layer.outputShape)", 18), pad(quant, 24),
                   padLeft(grouped(layer.macs), 13), padLeft(grouped(layer.parameters), 11), "  " + layer.details].joined())
        }
        print(String(repeating: "=", count: header.count + 20))
        let macs = interpreter.layers.reduce(0) { $0 + $1.macs }
        let params = interpreter.layers.reduce(0) { $0 + $1.parameters }
        print("Total MACs per sample: \(grouped(macs)) (\(String(format: "%.1f", Double(macs) / 1e6))M)")
        print("Total parameters: \(grouped(params)) (constant elements of weights, biases and operands)")
        print("Interpreter memory (batch 1): \(grouped(interpreter.memoryBytes)) bytes")
        if !decoded.metadata.isEmpty {
            print("Metadata:")
            for entry in decoded.metadata {
                let data = decoded.metadataBytes(named: entry.name) ?? []
                let text = decodeUTF8(Array(data.prefix(160))).map { String($0.unicodeScalars.filter { $0.value >= 0x20 || $0 == "\n" }).replacingOccurrences(of: "\n", with: "\\n") }
                print("  \(entry.name) (\(data.count) bytes)" + (text.map { ": \($0)" } ?? ""))
            }
        }
    }

    private func describe(_ info: TensorInfo) -> String {
        let quant = info.scale.map { " scale \(format($0)) zero point \(info.zeroPoint ?? 0)" } ?? ""
        return "\(info.name) \(info.type) \(info.shape)\(quant)"
    }
}

func readFile(_ path: String) throws -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
    return [UInt8](data)
}

private func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count) }
private func padLeft(_ s: String, _ width: Int) -> String { s.count >= width ? " " + s : String(repeating: " ", count: width - s.count) + s }
private func format(_ x: Float) -> String { String(format: "%.6g", Double(x)) }

/// 1234567 → "1,234,567".
func grouped(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var out = ""
    for (i, c) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return (n < 0 ? "-" : "") + out
}
