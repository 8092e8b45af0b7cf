// swift-tools-version:6.0
// Fuzz targets for every parser of untrusted bytes. Build one with:
//   cd Fuzz && swift build -c debug -Xswiftc -sanitize=fuzzer,address --product FuzzTFLite
//   .build/debug/FuzzTFLite -max_total_time=60 corpus/tflite
import Foundation
import PackageDescription

// A path dependency is identified by its folder name, which differs between checkouts.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let fuzzers = ["FuzzCascade", "FuzzTFLite", "FuzzCSV", "FuzzConfig", "FuzzJPEG", "FuzzMJPEG"]
let package = Package(
    name: "EdgeFERFuzz",
    products: fuzzers.map { .executable(name: $0, targets: [$0]) },
    dependencies: [.package(path: "..")],
    targets: [.target(name: "FuzzSupport")] + fuzzers.map {
        .executableTarget(name: $0, dependencies: ["FuzzSupport", .product(name: "EdgeFERParsers", package: root)])
    }
)
