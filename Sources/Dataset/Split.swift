/// How the kept images are divided into training, validation and test sets.
public enum SplitRule: Equatable, Sendable, CustomStringConvertible {
    /// By the `Usage` column: Training → train, PublicTest → validation, PrivateTest → test.
    case usage
    /// Training and PublicTest pooled, then each class divided at random (seeded) with this share
    /// going to train and the rest to validation (the reference's 80/20). PrivateTest rows, the
    /// official test split, stay in test so they never leak into training.
    case random(trainFraction: Double)

    /// Parses `usage` or `random:F` with 0 < F < 1 (e.g. `random:0.8`).
    public init?(argument: String) {
        if argument == "usage" { self = .usage; return }
        guard argument.hasPrefix("random:"), let f = Double(argument.dropFirst("random:".count)), f > 0, f < 1 else { return nil }
        self = .random(trainFraction: f)
    }

    public var description: String {
        switch self {
        case .usage: "usage"
        case .random(let f): "random:\(f)"
        }
    }
}

/// The three parts of a split.
public struct DataSplit: Sendable {
    public var train: FERDataset
    public var validation: FERDataset
    /// PrivateTest rows when the data has them; empty otherwise.
    public var test: FERDataset

    /// The parts with their names, in order.
    public var named: [(name: String, dataset: FERDataset)] { [("train", train), ("validation", validation), ("test", test)] }
}

extension FERDataset {
    /// Splits by `rule`; `seed` decides the random split (same seed, same split, on every platform).
    public func split(_ rule: SplitRule, seed: UInt64 = 0) throws(DatasetError) -> DataSplit {
        var train: [Int] = [], validation: [Int] = [], test: [Int] = []
        switch rule {
        case .usage:
            for i in 0..<count {
                switch usages[i] {
                case .training: train.append(i)
                case .publicTest: validation.append(i)
                case .privateTest: test.append(i)
                }
            }
        case .random(let fraction):
            guard fraction > 0 && fraction < 1 else {
                throw DatasetError(.argument, file: "split", expected: "a train fraction strictly between 0 and 1", found: "\(fraction)")
            }
            var byClass = [[Int]](repeating: [], count: Emotion.count)
            for i in 0..<count {
                if usages[i] == .privateTest { test.append(i) } else { byClass[Int(labels[i])].append(i) }
            }
            for (c, var members) in byClass.enumerated() {
                var rng = SeededRandom(seed: seed, stream: 0x5350_4C49_54, index: UInt64(c))  // "SPLIT"
                rng.shuffle(&members)
                let nTrain = Int((Double(members.count) * fraction).rounded(.toNearestOrAwayFromZero))
                train += members[..<nTrain]
                validation += members[nTrain...]
            }
            train.sort()
            validation.sort()
        }
        return DataSplit(train: subset(train), validation: subset(validation), test: subset(test))
    }
}
