import Foundation
import Testing
@testable import Train

@Test func trainCheckpointRoundTripsAndRejectsDamage() throws {
    let trainer = try tinyTrainer()
    _ = trainer.trainEpoch(quadrantData(count: 40, seed: 8))
    let bytes = Checkpoint(trainer: trainer, notes: "{\"x\":1}").encoded()
    let decoded = try Checkpoint(decoding: bytes, path: "c.ckpt")
    #expect(decoded.epoch == 1 && decoded.notes == "{\"x\":1}" && decoded.dataRandom == trainer.random)
    let model = try decoded.makeModel(threads: 1, path: "c.ckpt")
    #expect(model.parameters.map { $0.value.array() } == trainer.model.parameters.map { $0.value.array() })

    var flipped = bytes
    flipped[bytes.count / 2] ^= 0x40
    #expect(throws: CheckpointError.checksumMismatch(path: "c.ckpt")) { try Checkpoint(decoding: flipped, path: "c.ckpt") }
    var magic = bytes
    magic[0] = UInt8(ascii: "X")
    #expect(throws: CheckpointError.badMagic(path: "c.ckpt")) { try Checkpoint(decoding: magic, path: "c.ckpt") }
    var version = bytes
    version[8] = 9
    #expect(throws: CheckpointError.unsupportedVersion(path: "c.ckpt", version: 9)) {
        try Checkpoint(decoding: version, path: "c.ckpt")
    }
    // Every truncation is an error, never a crash.
    for cut in [0, 5, 12, 40, bytes.count / 3, bytes.count - 1] {
        #expect(throws: CheckpointError.self) { try Checkpoint(decoding: Array(bytes.prefix(cut)), path: "c.ckpt") }
    }
}

@Test func trainCheckpointForAnotherModelIsRefused() throws {
    let trainer = try tinyTrainer()
    let checkpoint = Checkpoint(trainer: trainer)
    var config = TrainConfig()
    config.batchSize = 8
    let other = Trainer(model: try Model(spec: try ModelSpec(parsing: "input 8 8 1\nflatten\ndense 4 softmax\n"), seed: 1),
                        config: config)
    #expect(throws: CheckpointError.badValue(path: "o", field: "model spec", reason: "differs from the model being trained")) {
        try checkpoint.restore(other, path: "o")
    }
    // A warm start (fer train --init-from) refuses it the same way.
    #expect(throws: CheckpointError.badValue(path: "w", field: "model spec", reason: "differs from the model being trained")) {
        try checkpoint.warmStart(other, path: "w")
    }
}

/// Re-seals bytes with a fresh CRC so the structural checks, not the checksum, must catch damage.
func resealed(_ body: [UInt8]) -> [UInt8] {
    let crc = CRC32.checksum(body)
    return body + [UInt8(crc & 0xFF), UInt8((crc >> 8) & 0xFF), UInt8((crc >> 16) & 0xFF), UInt8(crc >> 24)]
}

@Test func trainCheckpointSurvivesEveryTruncationAndHostileLengths() throws {
    var config = TrainConfig()
    config.batchSize = 4
    let small = Trainer(model: try Model(spec: try ModelSpec(parsing: "input 2 2 1\nflatten\ndense 2 softmax\n"), seed: 1),
                        config: config)
    let bytes = Checkpoint(trainer: small).encoded()
    for cut in 0..<bytes.count {
        #expect(throws: CheckpointError.self) { try Checkpoint(decoding: Array(bytes.prefix(cut)), path: "t") }
        // Truncated but re-sealed: the length fields, not the CRC, must stop the reader.
        if cut >= 12 && cut < bytes.count - 4 {
            #expect(throws: CheckpointError.self) { try Checkpoint(decoding: resealed(Array(bytes.prefix(cut))), path: "t") }
        }
    }
    // A spec length of 2^32-1 with a valid CRC.
    var body = Array(bytes.dropLast(4))
    body.replaceSubrange(12..<16, with: [0xFF, 0xFF, 0xFF, 0xFF])
    #expect(throws: CheckpointError.badValue(path: "t", field: "model spec", reason: "length 4294967295 over 1048576")) {
        try Checkpoint(decoding: resealed(body), path: "t")
    }
}
