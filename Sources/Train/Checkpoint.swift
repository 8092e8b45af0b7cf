import Foundation

/// Training state on disk. Format (little-endian), version 1:
///
///     "EFTRCKPT" magic (8 bytes), u32 version
///     string  model spec text (ModelSpec.text)            string = u32 length + UTF-8
///     string  notes (the training settings, JSON, informational)
///     u32 epochs completed, u64 Adam step
///     4 x u64 data stream state, 4 x u64 dropout stream state
///     u32 tensor count, then per tensor: string name, u64 count, count x f32
///         (parameters, then BN moving statistics, then Adam m, then Adam v, in model order)
///     u32 CRC-32 of every byte before it
///
/// Files are written to a temporary name and renamed, so an interrupted save never leaves a
/// half-written checkpoint under the real name.
public struct Checkpoint: Sendable {
    public static let magic = Array("EFTRCKPT".utf8)
    public static let version: UInt32 = 1

    public var specText: String
    public var notes: String
    public var epoch: Int
    public var adamStep: Int
    public var dataRandom: TrainRandom
    public var dropoutRandom: TrainRandom
    public var tensors: [(name: String, values: [Float])]

    /// Captures a trainer's full state.
    public init(trainer: Trainer, notes: String = "") {
        let model = trainer.model
        specText = model.spec.text
        self.notes = notes
        epoch = trainer.epoch
        adamStep = trainer.optimizer.step
        dataRandom = trainer.random
        dropoutRandom = model.random
        tensors = Checkpoint.namedBuffers(model: model, optimizer: trainer.optimizer).map { ($0.name, $0.buffer.array()) }
    }

    /// The buffers a checkpoint holds, in file order.
    static func namedBuffers(model: Model, optimizer: Adam?) -> [(name: String, buffer: FloatBuffer)] {
        var out: [(String, FloatBuffer)] = model.parameters.map { ($0.name, $0.value) }
        for layer in model.layers {
            if let bn = layer as? BatchNormLayer {
                out += [("\(bn.name)/moving_mean", bn.movingMean), ("\(bn.name)/moving_variance", bn.movingVariance)]
            }
        }
        if let optimizer {
            let params = model.parameters
            out += zip(params, optimizer.m).map { ("\($0.name)/adam_m", $1) }
            out += zip(params, optimizer.v).map { ("\($0.name)/adam_v", $1) }
        }
        return out
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.bytes += Checkpoint.magic
        w.u32(Checkpoint.version)
        w.string(specText)
        w.string(notes)
        w.u32(UInt32(epoch))
        w.u64(UInt64(adamStep))
        for v in dataRandom.stateWords { w.u64(v) }
        for v in dropoutRandom.stateWords { w.u64(v) }
        w.u32(UInt32(tensors.count))
        for t in tensors {
            w.string(t.name)
            t.values.withUnsafeBufferPointer { w.floats($0.baseAddress!, t.values.count) }
        }
        w.u32(CRC32.checksum(w.bytes))
        return w.bytes
    }

    /// Decodes and validates a checkpoint's bytes; `path` names the file in errors.
    public init(decoding bytes: [UInt8], path: String) throws(CheckpointError) {
        var r = ByteReader(bytes, path: path)
        guard Array(try r.take(8, "magic")) == Checkpoint.magic else { throw .badMagic(path: path) }
        let version = try r.u32("version")
        guard version == Checkpoint.version else { throw .unsupportedVersion(path: path, version: version) }
        guard bytes.count >= 16 else { throw .truncated(path: path, field: "checksum", offset: bytes.count) }
        let stored = bytes.suffix(4).reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard CRC32.checksum(bytes.dropLast(4)) == stored else { throw .checksumMismatch(path: path) }
        // From here on read only the checksummed body, never the trailer.
        r = ByteReader(Array(bytes.dropLast(4)), path: path)
        r.offset = 12
        specText = try r.string("model spec")
        notes = try r.string("notes")
        epoch = Int(try r.u32("epoch"))
        let step = try r.u64("adam step")
        guard let adamStep = Int(exactly: step), adamStep < 1 << 53 else {
            throw .badValue(path: path, field: "adam step", reason: "\(step) out of range")
        }
        self.adamStep = adamStep
        var words: [UInt64] = []
        for i in 0..<8 { words.append(try r.u64("random state word \(i)")) }
        dataRandom = TrainRandom(state: Array(words[0..<4]))
        dropoutRandom = TrainRandom(state: Array(words[4..<8]))
        let count = Int(try r.u32("tensor count"))
        guard count <= 100_000 else { throw .badValue(path: path, field: "tensor count", reason: "\(count) tensors") }
        tensors = []
        for i in 0..<count {
            let name = try r.string("tensor \(i) name", limit: 4096)
            tensors.append((name, try r.floats("tensor \(name)")))
        }
        guard r.offset == r.bytes.count else {
            throw .badValue(path: path, field: "end", reason: "\(r.bytes.count - r.offset) unexpected bytes")
        }
    }

    public init(contentsOf url: URL) throws(CheckpointError) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw .unreadable(path: url.path, reason: "\(error)") }
        try self.init(decoding: [UInt8](data), path: url.path)
    }

    /// Writes atomically (temporary file, then rename).
    public func write(to url: URL) throws(CheckpointError) {
        let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp")
        do {
            try Data(encoded()).write(to: tmp)
            if FileManager.default.fileExists(atPath: url.path) { try FileManager.default.removeItem(at: url) }
            try FileManager.default.moveItem(at: tmp, to: url)
        } catch { throw .unwritable(path: url.path, reason: "\(error)") }
    }

    /// The model this checkpoint describes, with its weights and BN statistics.
    public func makeModel(threads: Int, path: String = "<checkpoint>") throws(CheckpointError) -> Model {
        let spec: ModelSpec
        do { spec = try ModelSpec(parsing: specText, source: "\(path) (model spec)") } catch {
            throw .badValue(path: path, field: "model spec", reason: error.description)
        }
        let model: Model
        do { model = try Model(spec: spec, seed: 0, threads: threads) } catch {
            throw .badValue(path: path, field: "model spec", reason: error.description)
        }
        try load(into: Checkpoint.namedBuffers(model: model, optimizer: nil), path: path, allowExtra: true)
        model.random = dropoutRandom
        return model
    }

    /// Restores a trainer (whose model was built from the same spec) to this state.
    public func restore(_ trainer: Trainer, path: String = "<checkpoint>") throws(CheckpointError) {
        guard trainer.model.spec.text == specText else {
            throw .badValue(path: path, field: "model spec", reason: "differs from the model being trained")
        }
        try load(into: Checkpoint.namedBuffers(model: trainer.model, optimizer: trainer.optimizer), path: path,
                 allowExtra: false)
        trainer.epoch = epoch
        trainer.optimizer.step = adamStep
        trainer.random = dataRandom
        trainer.model.random = dropoutRandom
    }

    /// Copies this checkpoint's weights and BN statistics into `trainer`'s model (same spec) and
    /// leaves the optimizer, epoch count and random streams fresh: a warm start that trains on
    /// with a new schedule instead of resuming the old one.
    public func warmStart(_ trainer: Trainer, path: String = "<checkpoint>") throws(CheckpointError) {
        guard trainer.model.spec.text == specText else {
            throw .badValue(path: path, field: "model spec", reason: "differs from the model being trained")
        }
        try load(into: Checkpoint.namedBuffers(model: trainer.model, optimizer: nil), path: path, allowExtra: true)
    }

    private func load(into buffers: [(name: String, buffer: FloatBuffer)], path: String,
                      allowExtra: Bool) throws(CheckpointError) {
        guard allowExtra ? tensors.count >= buffers.count : tensors.count == buffers.count else {
            throw .badValue(path: path, field: "tensor count", reason: "\(tensors.count) tensors, model needs \(buffers.count)")
        }
        for (i, b) in buffers.enumerated() {
            let t = tensors[i]
            guard t.name == b.name, t.values.count == b.buffer.count else {
                throw .tensorMismatch(path: path, tensor: t.name, expected: "\(b.name) with \(b.buffer.count) values",
                                      found: t.values.count)
            }
            t.values.withUnsafeBufferPointer { b.buffer.pointer.update(from: $0.baseAddress!, count: t.values.count) }
        }
    }
}

/// Why a checkpoint could not be read or written.
public enum CheckpointError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case unwritable(path: String, reason: String)
    case badMagic(path: String)
    case unsupportedVersion(path: String, version: UInt32)
    case truncated(path: String, field: String, offset: Int)
    case checksumMismatch(path: String)
    case badValue(path: String, field: String, reason: String)
    case tensorMismatch(path: String, tensor: String, expected: String, found: Int)

    public var description: String {
        switch self {
        case .unreadable(let p, let r): "\(p): cannot read checkpoint: \(r)"
        case .unwritable(let p, let r): "\(p): cannot write checkpoint: \(r)"
        case .badMagic(let p): "\(p): not an EdgeFER checkpoint (expected magic EFTRCKPT)"
        case .unsupportedVersion(let p, let v): "\(p): checkpoint version \(v), this build reads version \(Checkpoint.version)"
        case .truncated(let p, let f, let o): "\(p): truncated at byte \(o) while reading \(f)"
        case .checksumMismatch(let p): "\(p): CRC-32 mismatch (corrupted checkpoint)"
        case .badValue(let p, let f, let r): "\(p): \(f): \(r)"
        case .tensorMismatch(let p, let t, let e, let n): "\(p): tensor \(t) with \(n) values, expected \(e)"
        }
    }
}
