import COpenSSL
import Transport

/// The TLS side of swerve as a client (the CLI, SwerveClient, fan-out
/// members, the REST upstream): what it trusts, its own certificate for
/// mutual TLS, and the ALPN protocols it asks for. Each connection gets its
/// own ``TLSTransform`` from ``makeTransform(serverName:)``, which checks the
/// server's certificate against the name or IP address dialled.
public final class TLSClientContext: ClientByteTransformFactory, @unchecked Sendable {
    let tls: TLSContext
    private let alpn: [UInt8]

    public init(_ configuration: TLSClientConfiguration, alpn: [String] = []) throws {
        tls = try TLSContext(server: false)
        self.alpn = TLSContext.alpnWireFormat(alpn)
        try tls.trust(caFile: configuration.caFile)
        tls.verifyPeer(requireCertificate: true)
        switch (configuration.certificateFile, configuration.privateKeyFile) {
        case (nil, nil): break
        case let (certificate?, key?): try tls.useCertificate(chainFile: certificate, keyFile: key, role: "client")
        default: throw TLSError.configuration("a client certificate and its key go together: give both or neither")
        }
    }

    /// A client session for a connection to `serverName` (a host name, or an
    /// IPv4/IPv6 address, brackets allowed); its first ``TLSTransform/outbound(_:emit:)`` starts the handshake.
    public func makeTransform(serverName: String) throws -> TLSTransform {
        try TLSTransform(context: tls, serverName: serverName, alpn: alpn)
    }

    public func makeClientTransform(serverName: String) throws -> ByteTransform {
        try makeTransform(serverName: serverName)
    }
}
