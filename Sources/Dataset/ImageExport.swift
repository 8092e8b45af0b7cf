import Foundation
import Imaging

/// Writes datasets as folders of image files for inspection: `DIR/<part>/<class>/<row>.<ext>`.
public enum ImageExport {
    /// File format of exported images.
    public enum Format: String, CaseIterable, Sendable {
        /// Lossless, via `PNG`.
        case png
        /// Quality 95, via Imaging's libjpeg encoder.
        case jpeg
    }

    /// Exports every part of `split` under `directory`; returns the number of files written.
    /// File names are the source data row (0-based), so an image can be found in the CSV; an image
    /// that appears more than once (oversampled data) gets `-<copy>` appended.
    @discardableResult
    public static func export(_ split: DataSplit, to directory: String, format: Format) throws(DatasetError) -> Int {
        var written = 0
        for (name, part) in split.named where !part.isEmpty {
            written += try export(part, to: directory + "/" + name, format: format)
        }
        return written
    }

    /// Exports one dataset under `directory`, one sub-folder per class.
    @discardableResult
    public static func export(_ dataset: FERDataset, to directory: String, format: Format) throws(DatasetError) -> Int {
        let fm = FileManager.default
        var seen: [Int32: Int] = [:]
        do {
            for e in Emotion.allCases {
                try fm.createDirectory(atPath: directory + "/" + e.name, withIntermediateDirectories: true)
            }
        } catch {
            throw DatasetError(.io, file: directory, expected: "a directory we can create", found: "\(error)")
        }
        for i in 0..<dataset.count {
            let row = dataset.sourceRows[i]
            let copy = seen[row, default: 0]
            seen[row] = copy + 1
            let stem = copy == 0 ? "\(row)" : "\(row)-\(copy)"
            let path = "\(directory)/\(dataset.label(at: i).name)/\(stem).\(format == .png ? "png" : "jpg")"
            let bytes: [UInt8]
            switch format {
            case .png:
                bytes = PNG.encode(dataset.image(at: i))
            case .jpeg:
                do { bytes = try JPEG.encode(dataset.image(at: i), quality: 95) } catch {
                    throw DatasetError(.io, file: path, expected: "a JPEG encoding", found: error.description)
                }
            }
            guard fm.createFile(atPath: path, contents: Data(bytes)) else {
                throw DatasetError(.io, file: path, expected: "a writable file", found: "write failed")
            }
        }
        return dataset.count
    }
}
