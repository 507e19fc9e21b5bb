import Logging
import TLS

extension SwerveServer {
    /// The TLS contexts of the two ports: the same certificate, different
    /// ALPN. The binary port offers `h2`, kept for gRPC (no gRPC handler
    /// exists yet, so a client that picks it gets the swerve protocol's
    /// framing error); a client without ALPN speaks the swerve protocol.
    /// The REST port offers `http/1.1`.
    static func makeTLS(_ configuration: TLSServerConfiguration?, logger: Logger) throws
        -> (binary: TLSServerContext, rest: TLSServerContext)? {
        guard let configuration else { return nil }
        let binary = try TLSServerContext(configuration, alpn: ["h2"], logger: logger)
        let rest = try TLSServerContext(configuration, alpn: ["http/1.1"], logger: logger)
        logger.info("TLS on every port\(configuration.clientCAFile.map { " (mutual: clients need a certificate from \($0))" } ?? "")")
        return (binary, rest)
    }
}
