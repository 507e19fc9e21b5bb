import Logging
import TLS

extension SwerveServer {
    /// The TLS contexts of the ports: the same certificate, different ALPN.
    /// The binary port (and a gRPC port of its own) offers `h2` for gRPC; a
    /// client without ALPN speaks whatever its first bytes say (the swerve
    /// protocol or gRPC). The REST port offers `http/1.1`.
    static func makeTLS(_ configuration: TLSServerConfiguration?, logger: Logger) throws
        -> (binary: TLSServerContext, rest: TLSServerContext)? {
        guard let configuration else { return nil }
        let binary = try TLSServerContext(configuration, alpn: ["h2"], logger: logger)
        let rest = try TLSServerContext(configuration, alpn: ["http/1.1"], logger: logger)
        logger.info("TLS on every port\(configuration.clientCAFile.map { " (mutual: clients need a certificate from \($0))" } ?? "")")
        return (binary, rest)
    }
}
