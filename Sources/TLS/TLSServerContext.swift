import COpenSSL
import Logging
import Transport

/// The TLS side of a listening port: its certificate, optional client CA
/// (mutual TLS) and the ALPN protocols it offers. As a
/// ``ByteTransformFactory`` it gives every accepted connection its own
/// ``TLSTransform``; a failed handshake (a plain-text client, a missing client
/// certificate) is logged with the peer's address and closes the connection.
public final class TLSServerContext: ByteTransformFactory, @unchecked Sendable {
    let tls: TLSContext
    private let logger: Logger

    /// - Parameter alpn: the protocols this port speaks, preferred first; a
    ///   client offering none of them (or no ALPN) proceeds without one.
    public init(_ configuration: TLSServerConfiguration, alpn: [String], logger: Logger) throws {
        tls = try TLSContext(server: true)
        self.logger = logger
        try tls.useCertificate(chainFile: configuration.certificateFile, keyFile: configuration.privateKeyFile, role: "server")
        if let clientCA = configuration.clientCAFile {
            try tls.trust(caFile: clientCA)
            // Tells clients which CA's certificates to present.
            guard let names = SSL_load_client_CA_file(clientCA) else {
                throw TLSError.configuration("no CA certificate in \(clientCA): \(OpenSSLErrors.drain())")
            }
            SSL_CTX_set_client_CA_list(tls.context, names)
            tls.verifyPeer(requireCertificate: true)
        }
        if !alpn.isEmpty {
            let preference = ALPNPreference(protocols: alpn)
            tls.serverALPN = preference
            SSL_CTX_set_alpn_select_cb(tls.context, { _, out, outLength, offered, offeredLength, arg in
                let preference = Unmanaged<ALPNPreference>.fromOpaque(arg!).takeUnretainedValue()
                guard let offered, let (offset, length) = preference.select(UnsafeBufferPointer(start: offered, count: Int(offeredLength))) else {
                    return SSL_TLSEXT_ERR_NOACK
                }
                out!.pointee = offered + offset
                outLength!.pointee = UInt8(length)
                return SSL_TLSEXT_ERR_OK
            }, Unmanaged.passUnretained(preference).toOpaque())
        }
    }

    public func makeTransform(for connection: StreamConnection) throws -> ByteTransform {
        try makeTransform(peer: { [weak connection] in connection?.peerAddress })
    }

    /// A server session; a failed handshake is logged naming `peer()`.
    public func makeTransform(peer: @escaping () -> String? = { nil }) throws -> TLSTransform {
        try TLSTransform(context: tls, onHandshakeFailure: { [logger] error in
            logger.warning("TLS handshake with \(peer() ?? "a client") failed, connection closed: \(error)")
        })
    }
}

/// A server's ALPN protocols and the choice among a client's offer.
final class ALPNPreference: @unchecked Sendable {
    private let protocols: [[UInt8]]

    init(protocols: [String]) { self.protocols = protocols.map { Array($0.utf8) } }

    /// The first of our protocols the client offered, as offset and length
    /// inside `offered` (ALPN wire format); nil when there is none in common.
    func select(_ offered: UnsafeBufferPointer<UInt8>) -> (offset: Int, length: Int)? {
        for wanted in protocols {
            var i = 0
            while i < offered.count {
                let length = Int(offered[i])
                let start = i + 1
                guard start + length <= offered.count else { return nil } // malformed offer
                if length == wanted.count && offered[start..<start + length].elementsEqual(wanted) {
                    return (start, length)
                }
                i = start + length
            }
        }
        return nil
    }
}
