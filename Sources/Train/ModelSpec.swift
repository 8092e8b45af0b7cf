import Foundation

/// One line of a model spec file.
public enum LayerSpec: Sendable, Equatable {
    case conv(filters: Int, kernel: Int, activation: Activation)
    case batchNorm
    case maxPool(size: Int)
    case flatten
    case dense(units: Int, activation: Activation)
    case dropout(rate: Float)
    case activation(Activation)
}

extension LayerSpec {
    /// This layer as a spec file line.
    public var line: String {
        switch self {
        case .conv(let f, let k, let a): "conv \(f) \(k) \(a.rawValue)"
        case .batchNorm: "bn"
        case .maxPool(let p): "maxpool \(p)"
        case .flatten: "flatten"
        case .dense(let u, let a): "dense \(u) \(a.rawValue)"
        case .dropout(let r): "dropout \(r)"
        case .activation(let a): a.rawValue
        }
    }
}

/// Activations a conv or dense layer can fuse, or that can stand alone.
public enum Activation: String, Sendable, Equatable {
    case linear, relu, softmax
}

/// A model architecture: an input shape and a layer list, read from a small text format, one
/// layer per line (`#` starts a comment):
///
///     input 64 64 1        height width channels
///     conv 32 3 relu       filters kernel [activation]; stride 1, SAME padding
///     bn                   batch normalization (momentum 0.99, epsilon 1e-3)
///     maxpool 2            pool size = stride, VALID
///     flatten
///     dense 512 relu       units [activation]
///     dropout 0.6          rate
///     relu | softmax       a standalone activation
public struct ModelSpec: Sendable, Equatable {
    public var input: Shape3
    public var layers: [LayerSpec]

    public init(input: Shape3, layers: [LayerSpec]) {
        self.input = input
        self.layers = layers
    }

    /// Parses spec text; `source` names the file in errors.
    public init(parsing text: String, source: String = "<spec>") throws(ModelSpecError) {
        var input: Shape3?
        var layers: [LayerSpec] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
            guard let keyword = words.first else { continue }
            let args = Array(words.dropFirst())
            func fail(_ expected: String) -> ModelSpecError {
                .badLine(source: source, line: lineNumber, text: String(rawLine), expected: expected)
            }
            func int(_ i: Int, _ what: String, range: ClosedRange<Int>) throws(ModelSpecError) -> Int {
                guard i < args.count, let v = Int(args[i]), range.contains(v) else {
                    throw fail("\(what): an integer in \(range.lowerBound)...\(range.upperBound)")
                }
                return v
            }
            func activation(_ i: Int, allowed: [Activation]) throws(ModelSpecError) -> Activation {
                guard i < args.count else { return .linear }
                guard let a = Activation(rawValue: args[i]), allowed.contains(a) else {
                    throw fail("activation one of \(allowed.map(\.rawValue).joined(separator: ", "))")
                }
                return a
            }
            func arity(_ lo: Int, _ hi: Int, _ usage: String) throws(ModelSpecError) {
                guard (lo...hi).contains(args.count) else { throw fail("`\(usage)`") }
            }
            if keyword != "input" && input == nil { throw fail("`input H W C` as the first layer line") }
            switch keyword {
            case "input":
                try arity(3, 3, "input H W C")
                guard input == nil else { throw fail("a single `input` line") }
                input = Shape3(try int(0, "height", range: 1...4096), try int(1, "width", range: 1...4096),
                               try int(2, "channels", range: 1...4096))
            case "conv":
                try arity(2, 3, "conv FILTERS KERNEL [linear|relu]")
                layers.append(.conv(filters: try int(0, "filters", range: 1...65536), kernel: try int(1, "kernel", range: 1...31),
                                    activation: try activation(2, allowed: [.linear, .relu])))
            case "bn":
                try arity(0, 0, "bn")
                layers.append(.batchNorm)
            case "maxpool":
                try arity(1, 1, "maxpool SIZE")
                layers.append(.maxPool(size: try int(0, "pool size", range: 1...64)))
            case "flatten":
                try arity(0, 0, "flatten")
                layers.append(.flatten)
            case "dense":
                try arity(1, 2, "dense UNITS [linear|relu|softmax]")
                layers.append(.dense(units: try int(0, "units", range: 1...1 << 20),
                                     activation: try activation(1, allowed: [.linear, .relu, .softmax])))
            case "dropout":
                try arity(1, 1, "dropout RATE")
                guard let rate = Float(args[0]), rate >= 0, rate < 1 else { throw fail("dropout rate in [0, 1)") }
                layers.append(.dropout(rate: rate))
            case "relu", "softmax":
                try arity(0, 0, keyword)
                layers.append(.activation(Activation(rawValue: keyword)!))
            default:
                throw fail("a layer keyword: input, conv, bn, maxpool, flatten, dense, dropout, relu, softmax")
            }
        }
        guard let input else { throw .empty(source: source) }
        self.input = input
        self.layers = layers
        try validateShapes(source: source)
    }

    /// Reads and parses a spec file.
    public init(contentsOf url: URL) throws(ModelSpecError) {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw .unreadable(path: url.path, reason: "\(error)")
        }
        try self.init(parsing: text, source: url.path)
    }

    /// The spec as text in the same format (round-trips through `init(parsing:)`).
    public var text: String {
        (["input \(input.height) \(input.width) \(input.channels)"] + layers.map(\.line)).joined(separator: "\n") + "\n"
    }

    /// Output shapes after each layer, checking that every layer fits its input.
    public func shapes(source: String = "<spec>") throws(ModelSpecError) -> [Shape3] {
        var shape = input
        var out: [Shape3] = []
        for (i, layer) in layers.enumerated() {
            switch layer {
            case .conv(let f, _, _):
                guard shape.height > 0 else { throw .shape(source: source, layer: i, reason: "conv needs a spatial input") }
                shape = Shape3(shape.height, shape.width, f)
            case .maxPool(let p):
                guard shape.height >= p, shape.width >= p else {
                    throw .shape(source: source, layer: i, reason: "maxpool \(p) on a \(shape) input")
                }
                shape = Shape3(shape.height / p, shape.width / p, shape.channels)
            case .flatten:
                shape = Shape3(1, 1, shape.count)
            case .dense(let u, _):
                guard shape.height == 1, shape.width == 1 else {
                    throw .shape(source: source, layer: i, reason: "dense on a \(shape) input needs a flatten first")
                }
                shape = Shape3(1, 1, u)
            case .batchNorm, .dropout, .activation:
                break
            }
            out.append(shape)
        }
        return out
    }

    private func validateShapes(source: String) throws(ModelSpecError) {
        _ = try shapes(source: source)
    }

    /// The reference project's model (issue 5): 64x64x1 input, five blocks of
    /// [conv 3x3 + ReLU, BN] x2 then maxpool 2 with 32, 64, 64, 128, 128 filters, then
    /// dense 512 / dropout 0.6 twice and an 8-way softmax: 1,188,200 parameters.
    public static let reference: ModelSpec = {
        var layers: [LayerSpec] = []
        for filters in [32, 64, 64, 128, 128] {
            for _ in 0..<2 { layers += [.conv(filters: filters, kernel: 3, activation: .relu), .batchNorm] }
            layers.append(.maxPool(size: 2))
        }
        layers += [.flatten, .dense(units: 512, activation: .relu), .dropout(rate: 0.6),
                   .dense(units: 512, activation: .relu), .dropout(rate: 0.6), .dense(units: 8, activation: .softmax)]
        return ModelSpec(input: Shape3(64, 64, 1), layers: layers)
    }()
}

/// Why a model spec could not be used.
public enum ModelSpecError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case empty(source: String)
    case badLine(source: String, line: Int, text: String, expected: String)
    case shape(source: String, layer: Int, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let p, let r): "\(p): cannot read model spec: \(r)"
        case .empty(let s): "\(s): no `input H W C` line"
        case .badLine(let s, let l, let t, let e): "\(s):\(l): `\(t)`: expected \(e)"
        case .shape(let s, let l, let r): "\(s): layer \(l + 1): \(r)"
        }
    }
}
