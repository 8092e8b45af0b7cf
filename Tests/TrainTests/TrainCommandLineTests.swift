import Foundation
import Testing

/// Runs the real `fer` binary (built next to the test bundle) and returns (exit status, stderr).
private func runFer(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
    let exe = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
                  ?? CommandLine.arguments[0])
    let p = Process()
    p.executableURL = exe.deletingLastPathComponent().appendingPathComponent("fer")
    p.arguments = arguments
    let err = Pipe()
    p.standardError = err
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    let data = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
}

@Test func ferTrainRejectsBadSamplingPowerAugmentStrengthAndMissingInitCheckpoint() throws {
    let run = FileManager.default.temporaryDirectory.appendingPathComponent("fer-cli-\(UInt32.random(in: 0...UInt32.max))").path
    let base = ["train", "--fer2013", "/nonexistent/fer2013.csv", "--ferplus", "/nonexistent/fer2013new.csv", "--run", run]
    for bad in ["0", "1.5", "-0.5"] {
        let r = try runFer(base + ["--balanced-sampling=\(bad)"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("--balanced-sampling must be in (0, 1]"), "stderr: \(r.stderr)")
    }
    for bad in ["1.5", "-0.1"] {
        let r = try runFer(base + ["--augment-strength=\(bad)"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("--augment-strength must be in [0, 1]"), "stderr: \(r.stderr)")
    }
    let r = try runFer(base + ["--init-from", "/nonexistent/epoch-045.ckpt"])
    #expect(r.status != 0)
    #expect(r.stderr.contains("--init-from /nonexistent/epoch-045.ckpt: no readable checkpoint file there"), "stderr: \(r.stderr)")
    // Options are checked before any data is read or a run directory is created.
    #expect(!FileManager.default.fileExists(atPath: run))
}

@Test func ferExportRejectsUnknownRangeMethodsAndBatchNormLowerings() throws {
    let out = FileManager.default.temporaryDirectory.appendingPathComponent("fer-cli-\(UInt32.random(in: 0...UInt32.max)).tflite").path
    let base = ["export", "--fer2013", "/nonexistent/fer2013.csv", "--ferplus", "/nonexistent/fer2013new.csv",
                "--checkpoint", "/nonexistent/epoch-001.ckpt", "--output", out]
    for bad in ["percentile:20", "median", "percentile:"] {
        let r = try runFer(base + ["--ranges", bad])
        #expect(r.status != 0)
        #expect(r.stderr.contains("'\(bad)' is invalid for '--ranges"), "stderr: \(r.stderr)")
    }
    let split = try runFer(base + ["--calibration-split", "test"])
    #expect(split.status != 0)
    #expect(split.stderr.contains("'test' is invalid for '--calibration-split"), "stderr: \(split.stderr)")
    let r = try runFer(base + ["--batchnorm", "fold"])
    #expect(r.status != 0)
    #expect(r.stderr.contains("'fold' is invalid for '--batchnorm"), "stderr: \(r.stderr)")
    #expect(!FileManager.default.fileExists(atPath: out))
}

@Test func ferImportAndQuantizationAwareTrainingRejectBadCounts() throws {
    let out = FileManager.default.temporaryDirectory.appendingPathComponent("fer-cli-\(UInt32.random(in: 0...UInt32.max)).ckpt").path
    let base = ["import", "--fer2013", "/nonexistent/fer2013.csv", "--ferplus", "/nonexistent/fer2013new.csv",
                "--spec", "config/models/fast48.spec", "--output", out, "/nonexistent/model.tflite"]
    let r = try runFer(base + ["--statistics-images", "0"])
    #expect(r.status != 0)
    #expect(r.stderr.contains("--statistics-images, --batch and --threads must be positive"), "stderr: \(r.stderr)")
    let missing = try runFer(["import", "--spec", "config/models/fast48.spec", "--output", out, "/nonexistent/model.tflite"])
    #expect(missing.status != 0 && !missing.stderr.isEmpty)
    let train = try runFer(["train", "--fer2013", "/nonexistent/fer2013.csv", "--ferplus", "/nonexistent/fer2013new.csv",
                            "--run", out + ".run", "--quantization-aware", "--qat-calibration", "0"])
    #expect(train.status != 0)
    #expect(train.stderr.contains("--qat-calibration must be positive"), "stderr: \(train.stderr)")
    #expect(!FileManager.default.fileExists(atPath: out))
}
