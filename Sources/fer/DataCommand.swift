import ArgumentParser
import Dataset
import Foundation
import Imaging

extension LabelMode: ExpressibleByArgument {}
extension ImageExport.Format: ExpressibleByArgument {}

/// `fer data`: reads FER-2013 + FERPlus, applies a label mode and a split, prints the counts, and
/// optionally writes a binary cache and image folders.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Read fer2013.csv(.gz) + fer2013new.csv, label, split; print counts per split and class, and drops by reason.")

    @Option(help: "FER-2013 pixels: fer2013.csv or fer2013.csv.gz.")
    var fer2013: String?

    @Option(help: "FERPlus votes: fer2013new.csv (row-aligned with --fer2013).")
    var ferplus: String?

    @Option(help: "Read a cache written by --cache instead of the CSV files.")
    var fromCache: String?

    @Option(help: "Label mode: majority (FERPlus protocol), argmax (reference), distribution (soft targets). Default: majority, or the cache's.")
    var labels: LabelMode?

    @Option(help: "usage (Training/PublicTest/PrivateTest; the default) or random:F, a seeded per-class split with share F in train.",
            transform: { s in
                guard let rule = SplitRule(argument: s) else { throw ValidationError("--split must be usage or random:F with 0 < F < 1") }
                return rule
            })
    var split: SplitRule = .usage

    @Option(help: "Seed for the random split, oversampling and augmentation previews.")
    var seed: UInt64 = 0

    @Option(help: "Show train counts after oversampling: reference (the reference's measured multipliers), balance, or 8 comma-separated multipliers in class order.")
    var oversample: String?

    @Option(help: "Write the loaded data (all usages, labels, drop counts) to this binary cache file.")
    var cache: String?

    @Option(help: "Export the split as DIR/<part>/<class>/<row>.<ext> images.")
    var export: String?

    @Option(help: "Export format: png or jpeg.")
    var exportFormat: ImageExport.Format = .png

    @Option(help: "Write augmentation previews (resized original + 7 augmented epochs, 64x64 tiles) of the first 12 train images to this folder, and time one augmented epoch.")
    var previewAugment: String?

    @Flag(help: "Add horizontal flips to the previewed augmentation.")
    var flip = false

    func validate() throws {
        if fromCache == nil && (fer2013 == nil || ferplus == nil) {
            throw ValidationError("give --fer2013 and --ferplus, or --from-cache")
        }
        if fromCache != nil && (fer2013 != nil || ferplus != nil) {
            throw ValidationError("--from-cache replaces --fer2013/--ferplus; give one or the other")
        }
    }

    func run() throws {
        let start = Date()
        let loaded: LoadedData
        if let fromCache {
            loaded = try DatasetCache.read(from: fromCache)
            if let labels, labels != loaded.labelMode {
                throw ValidationError("\(fromCache) holds \(loaded.labelMode) labels, not \(labels); rebuild it from the CSV files")
            }
        } else {
            loaded = try FERPlusLoader.load(fer2013: fer2013!, ferplus: ferplus!, labels: labels ?? .majority)
        }
        let loadSeconds = Date().timeIntervalSince(start)
        let parts = try loaded.dataset.split(split, seed: seed)
        print("labels \(loaded.labelMode): \(loaded.rowsRead) rows read, \(loaded.dataset.count) kept, \(loaded.dropped.total) dropped"
              + " (\(String(format: "%.1f", loadSeconds)) s)")
        print("split \(split)" + (split == .usage ? "" : ", seed \(seed)"))
        print(countTable(parts.named.map { ($0.name, $0.dataset.classCounts) }))
        if let oversample {
            guard let m = Oversampler.multipliers(argument: oversample, counts: parts.train.classCounts) else {
                throw ValidationError("--oversample must be reference, balance or 8 comma-separated non-negative integers")
            }
            let over = try Oversampler.oversample(parts.train, multipliers: m, seed: seed)
            print("train oversampled ×\(m.map(String.init).joined(separator: ",")):")
            print(countTable([("train", over.classCounts)]))
        }
        print("dropped by reason:")
        for usage in Usage.allCases where loaded.dropped.total(usage) > 0 {
            let reasons = DropReason.allCases.filter { loaded.dropped[usage, $0] > 0 }.map { "\($0) \(loaded.dropped[usage, $0])" }
            print("  \(usage): \(loaded.dropped.total(usage)) (\(reasons.joined(separator: ", ")))")
        }
        if let cache {
            try DatasetCache.write(loaded, to: cache)
            print("cache written: \(cache)")
        }
        if let previewAugment {
            try writeAugmentPreview(parts.train, to: previewAugment)
        }
        if let export {
            let n = try ImageExport.export(parts, to: export, format: exportFormat)
            print("exported \(n) \(exportFormat) images to \(export)")
        }
    }
}

extension DataCommand {
    /// Writes preview strips and times `BatchAugmenter` over one epoch of `train`.
    func writeAugmentPreview(_ train: FERDataset, to directory: String) throws {
        var config = AugmentationConfig.reference
        config.horizontalFlip = flip
        let augmenter = BatchAugmenter(config: config, outputSide: 64, seed: seed)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let tiles = 8, side = 64
        var tile = [Float](repeating: 0, count: side * side)
        for i in 0..<min(12, train.count) {
            var strip = GrayImage(width: side * tiles, height: side)
            for t in 0..<tiles {
                [i].withUnsafeBufferPointer { idx in
                    tile.withUnsafeMutableBufferPointer { augmenter.fill($0, from: train, indices: idx, epoch: t - 1, augment: t > 0) }
                }
                for y in 0..<side { for x in 0..<side { strip[t * side + x, y] = UInt8((tile[y * side + x] * 255).rounded()) } }
            }
            let path = "\(directory)/\(train.sourceRows[i])-\(train.label(at: i).name).png"
            guard FileManager.default.createFile(atPath: path, contents: Data(PNG.encode(strip))) else {
                throw ValidationError("cannot write \(path)")
            }
        }
        // One augmented epoch in batches of 256 into one reused buffer, as the trainer runs it.
        let batch = 256
        var buffer = [Float](repeating: 0, count: batch * side * side)
        let order = Array(0..<train.count)
        let start = Date()
        var done = 0
        while done < train.count {
            let n = min(batch, train.count - done)
            order[done..<done + n].withUnsafeBufferPointer { idx in
                buffer.withUnsafeMutableBufferPointer { augmenter.fill($0, from: train, indices: idx, epoch: 0, augment: true) }
            }
            done += n
        }
        let seconds = Date().timeIntervalSince(start)
        print("augmentation previews in \(directory); one epoch of \(train.count) images augmented to 64x64 in "
              + String(format: "%.2f s (%.0f images/s, 1 thread)", seconds, Double(train.count) / seconds))
    }
}

/// Rows of per-class counts with a total column and a total row, right-aligned.
func countTable(_ rows: [(name: String, counts: [Int])]) -> String {
    let header = [""] + Emotion.allCases.map(\.name) + ["total"]
    var cells = [header]
    var sums = [Int](repeating: 0, count: Emotion.count)
    for (name, counts) in rows {
        cells.append([name] + counts.map(String.init) + [String(counts.reduce(0, +))])
        for i in counts.indices { sums[i] += counts[i] }
    }
    cells.append(["all"] + sums.map(String.init) + [String(sums.reduce(0, +))])
    let widths = (0..<header.count).map { c in cells.map { $0[c].count }.max()! }
    return cells.map { row in
        row.enumerated().map { c, s in
            c == 0 ? s.padding(toLength: widths[0], withPad: " ", startingAt: 0) : String(repeating: " ", count: widths[c] - s.count) + s
        }.joined(separator: "  ")
    }.joined(separator: "\n")
}
