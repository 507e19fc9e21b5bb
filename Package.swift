// swift-tools-version:5.9
import PackageDescription

// Optimise the hot paths even in debug test builds would slow compiles; release
// builds (make run, benchmarks) get whole-module optimisation by default.
let package = Package(
    name: "swerve",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "swerve", targets: ["swerve"]),
        .executable(name: "swerve-runtime-bench", targets: ["swerve-runtime-bench"]),
        .executable(name: "swerve-bench", targets: ["swerve-bench"]),
        .library(name: "SwerveClient", targets: ["SwerveClient"]),
        .library(name: "ModelRuntime", targets: ["ModelRuntime"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.1.0"),
    ],
    targets: [
        // C shims: each imported by exactly one Swift module.
        .systemLibrary(name: "CUV", pkgConfig: "libuv", providers: [.apt(["libuv1-dev"])]),
        .target(name: "CONNXProto", linkerSettings: [.linkedLibrary("protobuf-c")]),
        .target(name: "CSwerveProto", linkerSettings: [.linkedLibrary("protobuf-c")]),
        .systemLibrary(name: "CHTTPParser", providers: [.apt(["libhttp-parser-dev"])]),
        .systemLibrary(name: "CHiredis", pkgConfig: "hiredis", providers: [.apt(["libhiredis-dev"])]),
        .systemLibrary(name: "CRabbitMQ", pkgConfig: "librabbitmq", providers: [.apt(["librabbitmq-dev"])]),
        .systemLibrary(name: "CCairo", pkgConfig: "cairo", providers: [.apt(["libcairo2-dev"])]),

        // JSON and CSV, read and written once for every front (REST, CLI, batch, streaming).
        .target(name: "TextFormats"),
        .target(name: "ModelRuntime", dependencies: ["CONNXProto"]),
        .target(name: "ModelServer", dependencies: ["ModelRuntime", .product(name: "Logging", package: "swift-log")]),
        .target(name: "Wire", dependencies: ["CSwerveProto", "ModelRuntime"]),
        .target(name: "Transport", dependencies: ["CUV", "Wire"]),
        .target(name: "SwerveClient", dependencies: ["Transport", "Wire", "ModelRuntime"]),
        .target(name: "Jobs", dependencies: [
            "CHiredis", "Wire", "ModelRuntime", "Transport",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Aggregator", dependencies: [
            "Transport", "Wire", "ModelServer", "ModelRuntime",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "REST", dependencies: [
            "CHTTPParser", "Transport", "Wire", "ModelRuntime", "TextFormats",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Serving", dependencies: [
            "ModelServer", "Wire", "Transport", "ModelRuntime", "Jobs", "Aggregator", "REST",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Streaming pipeline on RabbitMQ (swerve stream …); Plotting draws its histogram.
        .target(name: "Plotting", dependencies: ["CCairo"]),
        .target(name: "Streaming", dependencies: [
            "CRabbitMQ", "TextFormats", "ModelServer", "ModelRuntime", "Plotting",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "swerve", dependencies: [
            "Streaming", "Jobs", "Serving", "SwerveClient", "ModelServer", "Wire", "ModelRuntime",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "SwerveBenchCore", dependencies: [
            "Transport", "Wire", "SwerveClient", "ModelRuntime",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Histogram", package: "hdrhistogram-swift"),
        ]),
        .executableTarget(name: "swerve-bench", dependencies: ["SwerveBenchCore"]),
        .executableTarget(name: "swerve-runtime-bench", dependencies: [
            "ModelRuntime",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "ModelRuntimeTests", dependencies: ["ModelRuntime"]),
        .testTarget(name: "TextFormatsTests", dependencies: ["TextFormats"]),
        .testTarget(name: "WireTests", dependencies: ["Wire", "ModelRuntime"]),
        .testTarget(name: "TransportTests", dependencies: ["Transport", "Wire"]),
        .testTarget(name: "ModelServerTests", dependencies: ["ModelServer", "ModelRuntime"]),
        // Helpers several test targets share (a real redis-server, a raw HTTP client).
        .target(name: "SwerveTestSupport", path: "Tests/SwerveTestSupport"),
        .testTarget(name: "JobsTests", dependencies: ["SwerveTestSupport", "Jobs", "Wire", "ModelRuntime", "Transport"]),
        .testTarget(name: "AggregatorTests", dependencies: ["Aggregator", "Wire", "ModelRuntime", "Transport", "ModelServer"]),
        .testTarget(name: "RESTTests", dependencies: ["SwerveTestSupport", "REST", "Wire", "ModelRuntime", "Transport"]),
        .testTarget(name: "BenchTests", dependencies: ["SwerveBenchCore", "Wire", "Transport", "ModelRuntime"]),
        .testTarget(name: "StreamingTests", dependencies: ["SwerveTestSupport", "Streaming", "Plotting", "TextFormats", "ModelRuntime"]),
        .testTarget(name: "ServingTests", dependencies: ["SwerveTestSupport", "Serving", "SwerveClient", "ModelServer", "Wire", "ModelRuntime", "Transport", "Jobs", "Aggregator", "REST"]),
    ]
)
