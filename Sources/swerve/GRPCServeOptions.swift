import ArgumentParser
import Serving

/// `swerve serve`'s gRPC options.
struct GRPCServeOptions: ParsableArguments {
    @Option(help: "gRPC port: 0 serves gRPC on the binary-protocol port (told apart by the first bytes), N on a port of its own, -1 turns gRPC off.")
    var grpcPort: Int = EnvironmentDefaults.value("GRPC_PORT", 0)

    @Option(help: "gRPC streams one connection may have open at once; more are refused (REFUSED_STREAM).")
    var grpcMaxConcurrentStreams: Int = EnvironmentDefaults.value("GRPC_MAX_CONCURRENT_STREAMS", 256)

    @Option(help: "Bytes of headers one gRPC call may send; more get RESOURCE_EXHAUSTED.")
    var grpcMaxHeaderBytes: Int = EnvironmentDefaults.value("GRPC_MAX_HEADER_BYTES", 16 * 1024)

    func validate() throws {
        guard (-1...65535).contains(grpcPort) else { throw ValidationError("--grpc-port \(grpcPort) is not in -1...65535") }
        guard grpcMaxConcurrentStreams >= 1 else { throw ValidationError("--grpc-max-concurrent-streams must be at least 1") }
        guard grpcMaxHeaderBytes >= 1024 else { throw ValidationError("--grpc-max-header-bytes must be at least 1024") }
    }

    /// nil when gRPC is off.
    var options: GRPCOptions? {
        guard grpcPort >= 0 else { return nil }
        var o = GRPCOptions(port: grpcPort)
        o.maxConcurrentStreams = grpcMaxConcurrentStreams
        o.maxHeaderListBytes = grpcMaxHeaderBytes
        return o
    }
}
