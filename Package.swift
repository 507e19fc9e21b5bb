// swift-tools-version:5.9
import PackageDescription

// Release builds (make run, benchmarks) get whole-module optimisation by
// default; debug builds stay unoptimised to keep compiles fast.
let package = Package(
    name: "swerve",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "swerve", targets: ["swerve"]),
        .executable(name: "swerve-runtime-bench", targets: ["swerve-runtime-bench"]),
        .executable(name: "swerve-bench", targets: ["swerve-bench"]),
        .executable(name: "swerve-soak-report", targets: ["swerve-soak-report"]),
        .library(name: "SwerveClient", targets: ["SwerveClient"]),
        .library(name: "ModelRuntime", targets: ["ModelRuntime"]),
        // For the fuzz package (Fuzz/) only: the modules its targets drive,
        // so libFuzzer's main links into fuzz binaries, never swerve's.
        .library(name: "SwerveFuzzSurface", targets: [
            "Transport", "Wire", "ModelRuntime", "ModelServer", "Serving", "REST", "TextFormats",
            "Redis", "Jobs", "Streaming", "Aggregator", "SwerveTestSupport",
        ]),
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
        // gRPC services (KServe V2 / Triton, TF Serving, grpc.health.v1): protoc-c output of the
        // vendored protos under proto/; imported only by GRPCServices.
        .target(name: "CGRPCServiceProto", linkerSettings: [.linkedLibrary("protobuf-c")]),
        .systemLibrary(name: "CHTTPParser", providers: [.apt(["libhttp-parser-dev"])]),
        .systemLibrary(name: "CHiredis", pkgConfig: "hiredis", providers: [.apt(["libhiredis-dev"])]),
        // Batch scoring's databases: SQLite embedded, MySQL/MariaDB through Connector/C.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CMariaDB", pkgConfig: "libmariadb", providers: [.apt(["libmariadb-dev"])]),
        .systemLibrary(name: "CRabbitMQ", pkgConfig: "librabbitmq", providers: [.apt(["librabbitmq-dev"])]),
        .systemLibrary(name: "CCairo", pkgConfig: "cairo", providers: [.apt(["libcairo2-dev"])]),
        // TLS (OpenSSL 3 memory BIOs in the Transport stack's byte-transform slot).
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        // Auth tokens: SHA-256 and constant-time comparison from libcrypto (imported by Auth only).
        .systemLibrary(name: "CCrypto", providers: [.apt(["libssl-dev"])]),
        // gRPC: HTTP/2 framing (nghttp2) and grpc-encoding gzip (zlib), imported by GRPC only.
        .systemLibrary(name: "CNGHTTP2", pkgConfig: "libnghttp2", providers: [.apt(["libnghttp2-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        // JSON and CSV, read and written once for every front (REST, CLI, batch, streaming).
        .target(name: "TextFormats"),
        // One lock, one thread helper, one Duration helper, one semaphore: shared by every module below.
        .target(name: "Primitives"),
        .target(name: "ModelRuntime", dependencies: ["CONNXProto"]),
        .target(name: "ModelServer", dependencies: ["ModelRuntime", "TextFormats", "Primitives", .product(name: "Logging", package: "swift-log")]),
        .target(name: "Wire", dependencies: ["CSwerveProto", "ModelRuntime", "Primitives"]),
        .target(name: "Transport", dependencies: ["CUV", "Primitives"]),
        // gRPC over HTTP/2 on the Transport stack's connections: unary calls routed by :path.
        .target(name: "GRPC", dependencies: ["CNGHTTP2", "CZlib", "Transport", "Wire"]),
        // KServe V2, TF Serving and grpc.health.v1 over GRPC, answering through a Wire CallHandler.
        .target(name: "GRPCServices", dependencies: ["GRPC", "CGRPCServiceProto", "Wire", "ModelRuntime", "Auth", "Primitives"]),
        // TLS for every port and every client: a ByteTransform over OpenSSL.
        .target(name: "TLS", dependencies: ["COpenSSL", "Transport", "Primitives", .product(name: "Logging", package: "swift-log")]),
        .target(name: "SwerveClient", dependencies: ["Transport", "Wire", "ModelRuntime", "TLS"]),
        // The Redis client (hiredis, synchronous, on callers' own threads): jobs and the prediction cache.
        .target(name: "Redis", dependencies: ["CHiredis", "Primitives"]),
        .target(name: "Jobs", dependencies: [
            "Auth", "Redis", "Wire", "ModelRuntime", "Transport", "Primitives",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Aggregator", dependencies: [
            "Transport", "Primitives", "Wire", "ModelServer", "ModelRuntime", "TextFormats",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Tokens with scopes and per-caller rate limits for every port (--auth-tokens, --rate-limit).
        .target(name: "Auth", dependencies: [
            "CCrypto", "Wire", "Primitives", "TextFormats",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "REST", dependencies: [
            "Auth", "CHTTPParser", "Transport", "Primitives", "Wire", "ModelRuntime", "TextFormats",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Serving", dependencies: [
            "Auth", "ModelServer", "Wire", "Transport", "Primitives", "ModelRuntime", "Jobs", "Aggregator", "REST", "Redis",
            "TLS", "GRPC", "GRPCServices",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Offline scoring: files (CSV, JSON Lines, .npy) and SQL tables (SQLite, MySQL/MariaDB).
        .target(name: "Batch", dependencies: [
            "CSQLite", "CMariaDB", "ModelServer", "ModelRuntime", "TextFormats",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Streaming pipeline on RabbitMQ (swerve stream …); Plotting draws its histogram.
        .target(name: "Plotting", dependencies: ["CCairo"]),
        .target(name: "Streaming", dependencies: [
            "CRabbitMQ", "TextFormats", "ModelServer", "ModelRuntime", "Plotting", "Primitives",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "swerve", dependencies: [
            "Auth", "Batch", "Streaming", "Jobs", "Serving", "SwerveClient", "ModelServer", "Wire", "ModelRuntime", "REST", "TextFormats", "Redis",
            "TLS",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "SwerveBenchCore", dependencies: [
            "Transport", "Primitives", "Wire", "SwerveClient", "ModelRuntime", "REST", "TLS",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Histogram", package: "hdrhistogram-swift"),
        ]),
        .executableTarget(name: "swerve-bench", dependencies: ["SwerveBenchCore"]),
        .executableTarget(name: "swerve-runtime-bench", dependencies: [
            "ModelRuntime",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Soak test (scripts/soak.sh): the verdict and the plot of a run.
        .target(name: "SoakReport", dependencies: ["TextFormats", "Plotting"]),
        .executableTarget(name: "swerve-soak-report", dependencies: [
            "SoakReport", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "ModelRuntimeTests", dependencies: ["ModelRuntime", "SwerveTestSupport"]),
        .testTarget(name: "TextFormatsTests", dependencies: ["TextFormats"]),
        .testTarget(name: "WireTests", dependencies: ["Wire", "ModelRuntime", "SwerveTestSupport"]),
        .testTarget(name: "TransportTests", dependencies: ["Transport", "Primitives", "SwerveTestSupport"]),
        .testTarget(name: "GRPCTests", dependencies: ["GRPC", "Wire"]),
        .testTarget(name: "TLSTests", dependencies: [
            "TLS", "Transport", "Primitives", "SwerveTestSupport", .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "ModelServerTests", dependencies: ["ModelServer", "ModelRuntime", "TextFormats", "Primitives", "SwerveTestSupport"]),
        // Helpers several test targets share (a real redis-server, a raw HTTP client, waitUntil, ProtoWriter).
        .target(name: "SwerveTestSupport", dependencies: ["REST"], path: "Tests/SwerveTestSupport"),
        .testTarget(name: "JobsTests", dependencies: ["SwerveTestSupport", "Jobs", "Wire", "ModelRuntime", "Transport", "Primitives", "Redis"]),
        .testTarget(name: "AggregatorTests", dependencies: ["Aggregator", "Wire", "ModelRuntime", "Transport", "Primitives", "ModelServer", "TextFormats"]),
        .testTarget(name: "RESTTests", dependencies: ["SwerveTestSupport", "REST", "Wire", "ModelRuntime", "Transport", "Primitives"]),
        .testTarget(name: "BenchTests", dependencies: ["SwerveBenchCore", "REST", "Wire", "Transport", "Primitives", "ModelRuntime"]),
        .testTarget(name: "BatchTests", dependencies: ["SwerveTestSupport", "Batch", "ModelRuntime", "TextFormats"]),
        .testTarget(name: "StreamingTests", dependencies: ["SwerveTestSupport", "Streaming", "Plotting", "TextFormats", "ModelRuntime"]),
        .testTarget(name: "AuthTests", dependencies: ["Auth", "Wire", "SwerveTestSupport"]),
        .testTarget(name: "SoakReportTests", dependencies: ["SoakReport", "Plotting", "TextFormats"]),
        .testTarget(name: "ServingTests", dependencies: ["SwerveTestSupport", "Serving", "SwerveClient", "TLS", "ModelServer", "Wire", "ModelRuntime", "Transport", "Primitives", "Jobs", "Aggregator", "REST", "Redis", "TextFormats"]),
    ]
)
