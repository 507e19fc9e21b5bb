import COpenSSL
#if canImport(Glibc)
import Glibc
#endif

/// One configured `SSL_CTX`: TLS 1.2 at least, the system's default cipher
/// policy, certificates loaded once. Every connection's ``TLSTransform`` is
/// made from it. Sendable: OpenSSL allows `SSL_new` on a context from any
/// thread once it is configured, and nothing changes it afterwards.
final class TLSContext: @unchecked Sendable {
    let context: OpaquePointer
    /// The server's ALPN choice, the `arg` of the context's ALPN callback:
    /// lives as long as the context (every session holds its context).
    var serverALPN: ALPNPreference?

    init(server: Bool) throws {
        guard let context = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method()) else {
            throw TLSError.configuration("cannot create an SSL context: \(OpenSSLErrors.drain())")
        }
        self.context = context
        guard swerve_ssl_ctx_set_min_proto_version(context, TLS1_2_VERSION) == 1 else {
            throw TLSError.configuration("cannot require TLS 1.2: \(OpenSSLErrors.drain())")
        }
    }

    deinit { SSL_CTX_free(context) }

    /// Loads the certificate chain and its private key and checks they match.
    func useCertificate(chainFile: String, keyFile: String, role: String) throws {
        try Self.checkReadable(chainFile, what: "\(role) certificate")
        try Self.checkReadable(keyFile, what: "\(role) key")
        try Self.checkPrivate(keyFile, what: "\(role) key")
        ERR_clear_error()
        guard SSL_CTX_use_certificate_chain_file(context, chainFile) == 1 else {
            throw TLSError.configuration("cannot use \(role) certificate \(chainFile): \(OpenSSLErrors.drain())")
        }
        guard SSL_CTX_use_PrivateKey_file(context, keyFile, SSL_FILETYPE_PEM) == 1 else {
            throw TLSError.configuration("cannot use \(role) key \(keyFile): \(OpenSSLErrors.drain())")
        }
        guard SSL_CTX_check_private_key(context) == 1 else {
            throw TLSError.configuration("\(role) key \(keyFile) does not match certificate \(chainFile): \(OpenSSLErrors.drain())")
        }
    }

    /// Trusts the CAs in `file` for verifying the peer (nil: the system's store).
    func trust(caFile file: String?) throws {
        ERR_clear_error()
        guard let file else {
            guard SSL_CTX_set_default_verify_paths(context) == 1 else {
                throw TLSError.configuration("cannot load the system's CA store: \(OpenSSLErrors.drain())")
            }
            return
        }
        try Self.checkReadable(file, what: "CA file")
        guard SSL_CTX_load_verify_locations(context, file, nil) == 1 else {
            throw TLSError.configuration("cannot use CA file \(file): \(OpenSSLErrors.drain())")
        }
    }

    /// Sets the verification mode (`SSL_VERIFY_PEER`, plus `…FAIL_IF_NO_PEER_CERT` for mutual TLS).
    func verifyPeer(requireCertificate: Bool) {
        let mode = SSL_VERIFY_PEER | (requireCertificate ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0)
        SSL_CTX_set_verify(context, Int32(mode), nil)
    }

    /// ALPN protocol names in the wire format (each prefixed by its length).
    static func alpnWireFormat(_ protocols: [String]) -> [UInt8] {
        var wire: [UInt8] = []
        for name in protocols {
            let bytes = Array(name.utf8)
            precondition(!bytes.isEmpty && bytes.count < 256, "an ALPN name has 1 to 255 bytes")
            wire.append(UInt8(bytes.count))
            wire += bytes
        }
        return wire
    }

    // A key every user can read is a key someone else may already have.
    private static func checkPrivate(_ path: String, what: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else { return } // checkReadable already answered for this file
        if info.st_mode & S_IROTH != 0 {
            throw TLSError.configuration("\(what) \(path) is readable by every user (mode \(String(info.st_mode & 0o777, radix: 8))): "
                + "chmod o-r it, e.g. chmod 600")
        }
    }

    // OpenSSL says "system lib" for a missing file; this names the file and the errno.
    private static func checkReadable(_ path: String, what: String) throws {
        if access(path, R_OK) != 0 {
            throw TLSError.configuration("cannot read \(what) \(path): \(String(cString: strerror(errno)))")
        }
    }
}
