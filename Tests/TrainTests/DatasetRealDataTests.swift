import Foundation
import Testing
@testable import Dataset

/// The real FER-2013 + FERPlus files in ../shared/datasets/fer2013 (or $EDGEFER_SHARED/datasets/fer2013):
/// the FERPlus majority protocol must leave the counts its README states.
struct DatasetRealDataTests {
    static let folder = DatasetFixtures.sharedDirectory + "/datasets/fer2013"

    @Test func majorityProtocolLeavesTheDocumentedCounts() throws {
        let pixels = Self.folder + "/fer2013.csv.gz", votes = Self.folder + "/fer2013new.csv"
        try #require(FileManager.default.fileExists(atPath: pixels) && FileManager.default.fileExists(atPath: votes),
                     "the shared dataset is missing: \(Self.folder) (set EDGEFER_SHARED)")
        let data = try FERPlusLoader.load(fer2013: pixels, ferplus: votes, labels: .majority)
        #expect(data.rowsRead == 28_709 + 3_589)
        let split = try data.dataset.split(.usage)
        // README: "On the full set this leaves 25,060 Training, 3,199 PublicTest ... images."
        #expect(split.train.count == 25_060)
        #expect(split.validation.count == 3_199)
        #expect(split.test.count == 0)
        #expect(data.dropped.total(.training) == 28_709 - 25_060)
        #expect(data.dropped.total(.publicTest) == 3_589 - 3_199)
        // Every class is present in both parts.
        #expect(split.train.classCounts.allSatisfy { $0 > 0 } && split.validation.classCounts.allSatisfy { $0 > 0 })
    }

    @Test func argmaxKeepsEveryFaceNotWonByUnknownOrNF() throws {
        // Votes only (the pixels' parse is covered above): every face row is kept unless unknown/NF wins.
        let reader = try FERPlusReader(openByteSource(path: Self.folder + "/fer2013new.csv"))
        var rows = 0, kept = 0, faces = 0, unknownOrNF = 0
        while let row = try reader.next() {
            rows += 1
            if row.hasImageName { faces += 1 }
            let top = argmaxFirst(row.votes)
            if row.hasImageName && top >= 8 { unknownOrNF += 1 }
            if case .keep = LabelMode.argmax.decide(votes: row.votes, isFace: row.hasImageName) { kept += 1 }
        }
        #expect(rows == 32_298)
        #expect(kept == faces - unknownOrNF)
        #expect(kept > 25_060 + 3_199)
    }
}
