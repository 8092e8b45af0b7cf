// swift-tools-version:6.0
// EdgeFER: real-time facial-expression recognition for headless camera devices.
// Data flow: capture → detect → recognize → track → publish (ferd), data → train → quantize → export (fer).
import PackageDescription

let package = Package(
    name: "EdgeFER",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "ferd", targets: ["ferd"]),
        .executable(name: "fer", targets: ["fer"]),
        // Libraries exported for the fuzz package in Fuzz/ (built with -sanitize=fuzzer).
        .library(name: "EdgeFERParsers", targets: ["Detect", "TFLiteModel", "Dataset", "Daemon", "Imaging", "Capture"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        // C libraries. Each is a module map plus a shim header; static inline shims cover the
        // variadic functions and function-like macros Swift cannot import.
        .systemLibrary(name: "CV4L2", pkgConfig: "libv4l2", providers: [.apt(["libv4l-dev"])]),
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg-dev"])]),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .systemLibrary(name: "CMosquitto", pkgConfig: "libmosquitto", providers: [.apt(["libmosquitto-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // libjpeg behind setjmp/longjmp: Swift cannot use setjmp, and libjpeg's default handler exits.
        .target(name: "CJPEGCodec", dependencies: ["CJPEG"]),
        // int8 GEMM/conv kernels with runtime CPU dispatch (AVX-512 VNNI, AVX2, NEON, scalar).
        .target(name: "CInt8Kernels"),

        // capture → detect → recognize → track → publish
        .target(name: "Imaging", dependencies: ["CJPEGCodec"]),
        .target(name: "Capture", dependencies: ["Imaging", "CV4L2", .product(name: "Logging", package: "swift-log")]),
        .target(name: "Detect", dependencies: ["Imaging"]),
        .target(name: "QuantMath"),
        .target(name: "TFLiteModel"),
        .target(name: "Inference", dependencies: ["QuantMath", "TFLiteModel", "CInt8Kernels"]),
        .target(name: "Recognize", dependencies: ["Imaging", "Inference", "TFLiteModel"]),
        .target(name: "Track", dependencies: ["Imaging"]),
        .target(name: "Publish", dependencies: ["CMosquitto", "Track", .product(name: "Logging", package: "swift-log")]),
        .target(name: "Daemon", dependencies: [
            "Imaging", "Capture", "Detect", "Inference", "TFLiteModel", "Recognize", "Track", "Publish", "CSystemd",
            .product(name: "Logging", package: "swift-log"),
        ]),

        // data → train → quantize → export
        .target(name: "Dataset", dependencies: ["Imaging", "CZlib"]),
        .target(name: "Train", dependencies: ["Dataset", "COpenBLAS"]),
        .target(name: "Quantize", dependencies: ["Train", "QuantMath", "TFLiteModel", "Inference"]),

        .executableTarget(name: "ferd", dependencies: [
            "Daemon", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "fer", dependencies: [
            "Imaging", "Detect", "Inference", "Recognize", "Dataset", "Train", "Quantize", "TFLiteModel",
            "Capture", "Track", "Daemon",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Test helpers shared by test targets (a real mosquitto on a free loopback port, child processes).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "BindingsTests", dependencies: ["Imaging", "CV4L2", "CSystemd", "CMosquitto", "COpenBLAS", "TestSupport"]),
        .testTarget(name: "DetectTests", dependencies: ["Detect", "Imaging"], exclude: ["Golden"]),
        .testTarget(name: "InferenceTests", dependencies: ["Inference", "TFLiteModel", "QuantMath", "CInt8Kernels", "Recognize"]),
        .testTarget(name: "TrainTests", dependencies: ["Dataset", "Train", "Quantize", "Inference", "TFLiteModel", "Recognize", "Imaging"],
                    exclude: ["Golden"]),  // golden files and the scripts that made them, read via #filePath
        .testTarget(name: "CaptureTests", dependencies: ["Capture", "Imaging"]),
        .testTarget(name: "DaemonTests", dependencies: ["TestSupport", "Daemon", "Track", "Publish", "Capture", "Detect", "Recognize", "Imaging"]),
    ]
)
