import Foundation

/// Locates the read-only shared data: `$EDGEFER_SHARED`, else `shared/` beside the repo folder.
enum SharedData {
    static var root: URL {
        if let env = ProcessInfo.processInfo.environment["EDGEFER_SHARED"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        // #filePath = <repo>/Tests/InferenceTests/SharedData.swift
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared")
    }

    static var conformance: URL { root.appendingPathComponent("conformance/tflite") }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: conformance.appendingPathComponent(name)))
    }

    /// Every conformance model's name, from vectors.json.
    static let modelNames = ["conv_same_relu", "conv_valid_stride2", "conv_dilated", "depthwise", "depthwise_s2",
                             "separable_residual", "pools", "dense_softmax", "concat_pad", "softmax_rows",
                             "seed64", "seed64_float_io"]
}
