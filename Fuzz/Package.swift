// swift-tools-version:5.9
import Foundation
import PackageDescription

// libFuzzer targets for swerve's parsers (see RELIABILITY.md, `make fuzz`).
// A package of its own so libFuzzer's `main` never links into `swerve` or
// `swerve-bench`; build it with
//   swift build -c release --package-path Fuzz --scratch-path .build-fuzz \
//     -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing
// (`-enable-testing` lets the targets reach the production entry points that
// are internal to their module, e.g. the dispatcher's frame path).

// A path dependency's identity is its directory's name, which differs
// between checkouts (main, worktrees, CI clones).
let swerve = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().lastPathComponent.lowercased()

func fuzzTarget(_ name: String) -> Target {
    .executableTarget(name: "fuzz-\(name)", dependencies: [
        "FuzzSupport", .product(name: "SwerveFuzzSurface", package: swerve),
    ])
}

let package = Package(
    name: "swerve-fuzz",
    dependencies: [.package(path: "..")],
    targets: [
        .systemLibrary(name: "CLibFuzzer"),
        // Input splitting and the in-process servers every target shares.
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer", .product(name: "SwerveFuzzSurface", package: swerve)]),
        fuzzTarget("frame"),
        fuzzTarget("http"),
        fuzzTarget("grpc"),
        fuzzTarget("onnx"),
        fuzzTarget("config"),
        fuzzTarget("redis"),
        fuzzTarget("stream"),
    ]
)
