import FuzzSupport
import Serving

@main
enum FuzzGRPC {
    static func main() { FuzzDriver.run(prepare: { _ = FuzzGRPCServer.server.grpcPort }, fuzzGRPC) }
}

/// `swerve serve` over the shipped models as it runs by default, gRPC on the
/// binary protocol's port (told apart by the first byte), on one loop and a
/// free loopback port; REST off (the `http` target has it).
enum FuzzGRPCServer {
    static let server: SwerveServer = {
        var options = SwerveServer.Options(modelsDirectory: FuzzModels.modelsDirectory)
        options.port = 0
        options.loops = 1
        options.rest = nil
        // Every input sees the same models.
        options.pollInterval = .seconds(86_400)
        // Messages past 1 MiB take the same RESOURCE_EXHAUSTED path as past 16 MiB.
        options.limits.maxFrameLength = 1 << 20
        do {
            return try SwerveServer(options: options, logger: FuzzModels.quietLogger)
        } catch {
            fatalError("fuzz: cannot start the server: \(error)")
        }
    }()

    /// What every HTTP/2 client sends first; fixed, so the fuzzer spends no
    /// time finding it (a bad preface is one early close).
    static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)
}

/// The HTTP/2 client preface, then the input's bytes as HTTP/2 frames in the
/// chunks its first byte chooses, then a half-close: nghttp2's session and
/// swerve's callbacks (header limits, message assembly and its limit, gzip),
/// the method router, protobuf-c unpacking of KServe V2, TF Serving and
/// health requests, the services and the dispatcher with its models behind
/// them. The server must answer and close.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGRPC(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzConnection.exchange(port: FuzzGRPCServer.server.grpcPort, server: "the gRPC server",
                            preamble: FuzzGRPCServer.preface, FuzzInput(data, size))
    return 0
}
