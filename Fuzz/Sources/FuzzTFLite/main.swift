import FuzzSupport
import Inference
import TFLiteModel

// Any bytes must read and prepare into a model or a typed error, never crash or hang.
// Prepared models also run once, so kernels see whatever shapes the fuzzer invents.
runFuzzer { bytes in
    guard let model = try? Model(bytes: bytes) else { return }
    _ = try? Model(bytes: model.serialized())
    guard let interpreter = try? Interpreter(model: model) else { return }
    // Skip running huge graphs: the point is the reader and prepare, not throughput.
    if interpreter.layers.reduce(0, { $0 + $1.macs }) < 2_000_000 {
        try? interpreter.invoke()
    }
}
