/// The eight FERPlus emotion classes, in the reference project's (alphabetical) class index order.
public enum Emotion: Int, CaseIterable, Sendable, CustomStringConvertible {
    case anger, contempt, disgust, fear, happiness, neutral, sadness, surprise

    /// Number of classes a model predicts.
    public static let count = 8

    /// The lower-case English name, as used in model metadata and folder names.
    public var name: String {
        switch self {
        case .anger: "anger"
        case .contempt: "contempt"
        case .disgust: "disgust"
        case .fear: "fear"
        case .happiness: "happiness"
        case .neutral: "neutral"
        case .sadness: "sadness"
        case .surprise: "surprise"
        }
    }

    public var description: String { name }

    /// Parses a class name (as written by `name`).
    public init?(name: String) {
        guard let e = Emotion.allCases.first(where: { $0.name == name }) else { return nil }
        self = e
    }
}

/// One of FERPlus's ten vote columns, in `fer2013new.csv`'s column order (which differs from `Emotion`'s).
public enum VoteColumn: Int, CaseIterable, Sendable {
    case neutral, happiness, surprise, sadness, anger, disgust, fear, contempt, unknown, notFace

    /// The header name in `fer2013new.csv`.
    public var header: String {
        switch self {
        case .neutral: "neutral"
        case .happiness: "happiness"
        case .surprise: "surprise"
        case .sadness: "sadness"
        case .anger: "anger"
        case .disgust: "disgust"
        case .fear: "fear"
        case .contempt: "contempt"
        case .unknown: "unknown"
        case .notFace: "NF"
        }
    }

    /// The emotion class this column votes for; nil for `unknown` and `NF`.
    public var emotion: Emotion? {
        switch self {
        case .neutral: .neutral
        case .happiness: .happiness
        case .surprise: .surprise
        case .sadness: .sadness
        case .anger: .anger
        case .disgust: .disgust
        case .fear: .fear
        case .contempt: .contempt
        case .unknown, .notFace: nil
        }
    }
}

/// The `Usage` column: which official split a row belongs to.
public enum Usage: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    case training, publicTest, privateTest

    /// The value as written in the CSV files.
    public var name: String {
        switch self {
        case .training: "Training"
        case .publicTest: "PublicTest"
        case .privateTest: "PrivateTest"
        }
    }

    public var description: String { name }
}
