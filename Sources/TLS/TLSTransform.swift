import COpenSSL
import Transport

/// One TLS session as a ``ByteTransform``: ciphertext from the socket goes
/// into a memory BIO that `SSL_read` drains into plaintext for the handler;
/// the handler's plaintext goes through `SSL_write` into another memory BIO
/// whose records go to the socket. The handshake runs inside these calls on
/// the connection's own loop thread: no threads, no second event loop.
///
/// Plaintext written before the handshake completes (a client's first
/// request) waits in a buffer and goes out the moment it does. On a graceful
/// close, ``finish(emit:)`` sends close_notify. Any failure is thrown (the
/// connection closes) after the alert OpenSSL wrote has been handed on.
///
/// Also usable without a ``StreamConnection`` (the blocking client drives it
/// over a plain socket). Not thread-safe: one connection, one thread at a time.
public final class TLSTransform: ByteTransform {
    // Held so what the context's callbacks use outlives every session.
    private let context: TLSContext
    private let ssl: OpaquePointer
    // Ciphertext from the peer (we write, OpenSSL reads) and to it.
    private let fromPeer: OpaquePointer
    private let toPeer: OpaquePointer
    // Separate buffers: a handler's write during `deliver` drains records
    // while the plaintext it was handed is still being read.
    private let plaintext: UnsafeMutableRawBufferPointer
    private let records: UnsafeMutableRawBufferPointer
    private var pending: [UInt8] = []
    private var failure: TLSError?
    private let onHandshakeFailure: ((TLSError) -> Void)?

    /// The handshake has completed.
    public private(set) var isHandshakeComplete = false
    /// The peer sent close_notify: it will send nothing more.
    public private(set) var receivedCloseNotify = false

    /// A server session (the handshake starts with the client's first bytes).
    init(context: TLSContext, onHandshakeFailure: ((TLSError) -> Void)?) throws {
        self.context = context
        (ssl, fromPeer, toPeer) = try Self.makeSession(context)
        self.onHandshakeFailure = onHandshakeFailure
        plaintext = .allocate(byteCount: 16 * 1024, alignment: 8)
        records = .allocate(byteCount: 16 * 1024 + 512, alignment: 8)
        SSL_set_accept_state(ssl)
    }

    /// A client session that verifies the server's certificate against `serverName`.
    init(context: TLSContext, serverName: String, alpn: [UInt8]) throws {
        self.context = context
        (ssl, fromPeer, toPeer) = try Self.makeSession(context)
        onHandshakeFailure = nil
        plaintext = .allocate(byteCount: 16 * 1024, alignment: 8)
        records = .allocate(byteCount: 16 * 1024 + 512, alignment: 8)
        SSL_set_connect_state(ssl)
        var host = serverName
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        // An IP address is checked against the certificate's IP SANs; a name
        // against its DNS SANs, and sent as SNI.
        if X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) != 1 {
            ERR_clear_error()
            guard SSL_set1_host(ssl, host) == 1, swerve_ssl_set_server_name(ssl, host) == 1 else {
                SSL_free(ssl)
                throw TLSError.configuration("cannot verify against server name '\(host)': \(OpenSSLErrors.drain())")
            }
        }
        if !alpn.isEmpty && SSL_set_alpn_protos(ssl, alpn, UInt32(alpn.count)) != 0 {
            SSL_free(ssl)
            throw TLSError.configuration("cannot offer ALPN: \(OpenSSLErrors.drain())")
        }
    }

    private static func makeSession(_ context: TLSContext) throws -> (OpaquePointer, OpaquePointer, OpaquePointer) {
        ERR_clear_error()
        guard let ssl = SSL_new(context.context) else {
            throw TLSError.configuration("cannot create a TLS session: \(OpenSSLErrors.drain())")
        }
        guard let fromPeer = BIO_new(BIO_s_mem()), let toPeer = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw TLSError.configuration("cannot create memory BIOs: \(OpenSSLErrors.drain())")
        }
        SSL_set_bio(ssl, fromPeer, toPeer) // the session owns both BIOs now
        return (ssl, fromPeer, toPeer)
    }

    deinit {
        SSL_free(ssl)
        plaintext.deallocate()
        records.deallocate()
    }

    /// The protocol ALPN settled on ("h2", "http/1.1"); nil without ALPN.
    public var negotiatedProtocol: String? {
        var name: UnsafePointer<UInt8>?
        var length: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &name, &length)
        guard let name, length > 0 else { return nil }
        return String(decoding: UnsafeBufferPointer(start: name, count: Int(length)), as: UTF8.self)
    }

    // MARK: ByteTransform

    public func inbound(_ bytes: UnsafeRawBufferPointer,
                        deliver: (UnsafeRawBufferPointer) -> Void,
                        reply: (UnsafeRawBufferPointer) -> Void) throws {
        if let failure { throw failure }
        defer { drainRecords(into: reply) }
        if bytes.count > 0 && BIO_write(fromPeer, bytes.baseAddress, Int32(bytes.count)) != Int32(bytes.count) {
            throw fail(.record("cannot buffer \(bytes.count) received bytes"))
        }
        if !isHandshakeComplete {
            try advanceHandshake()
            guard isHandshakeComplete else { return }
            try writePending()
        }
        try readPlaintext(deliver)
    }

    public func outbound(_ bytes: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) -> Void) throws {
        if let failure { throw failure }
        defer { drainRecords(into: emit) }
        if !isHandshakeComplete {
            pending.append(contentsOf: bytes)
            try advanceHandshake()
            if isHandshakeComplete { try writePending() }
            return
        }
        try writeRecords(bytes)
    }

    public func finish(emit: (UnsafeRawBufferPointer) -> Void) {
        guard isHandshakeComplete, failure == nil else { return }
        ERR_clear_error()
        _ = SSL_shutdown(ssl) // 0 = sent ours, not seen theirs: all a closing side needs
        ERR_clear_error()
        drainRecords(into: emit)
    }

    // MARK: Internals

    private func advanceHandshake() throws {
        ERR_clear_error()
        let rc = SSL_do_handshake(ssl)
        if rc == 1 {
            isHandshakeComplete = true
            return
        }
        let code = SSL_get_error(ssl, rc)
        if code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE { return }
        let error = fail(.handshake(describe(code)))
        onHandshakeFailure?(error)
        throw error
    }

    private func writePending() throws {
        guard !pending.isEmpty else { return }
        let bytes = pending
        pending = []
        try bytes.withUnsafeBytes { try writeRecords($0) }
    }

    private func writeRecords(_ bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count > 0 else { return }
        ERR_clear_error()
        // A memory BIO never pushes back, so SSL_write takes everything at once.
        let rc = SSL_write(ssl, bytes.baseAddress, Int32(bytes.count))
        if rc <= 0 { throw fail(.record(describe(SSL_get_error(ssl, rc)))) }
    }

    private func readPlaintext(_ deliver: (UnsafeRawBufferPointer) -> Void) throws {
        while true {
            ERR_clear_error()
            let n = SSL_read(ssl, plaintext.baseAddress, Int32(plaintext.count))
            if n > 0 {
                deliver(UnsafeRawBufferPointer(rebasing: plaintext[..<Int(n)]))
                continue
            }
            let code = SSL_get_error(ssl, n)
            switch code {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
                return
            case SSL_ERROR_ZERO_RETURN:
                receivedCloseNotify = true
                return
            default:
                throw fail(.record(describe(code)))
            }
        }
    }

    private func drainRecords(into sink: (UnsafeRawBufferPointer) -> Void) {
        while BIO_ctrl_pending(toPeer) > 0 {
            let n = BIO_read(toPeer, records.baseAddress, Int32(records.count))
            guard n > 0 else { return }
            sink(UnsafeRawBufferPointer(rebasing: records[..<Int(n)]))
        }
    }

    private func fail(_ error: TLSError) -> TLSError {
        failure = error
        return error
    }

    /// OpenSSL's reasons for the failure, the certificate check's verdict if
    /// that is what failed, and a hint for the common plain-text mistake.
    private func describe(_ code: Int32) -> String {
        var reason = OpenSSLErrors.drain()
        if reason.isEmpty {
            reason = code == SSL_ERROR_SYSCALL ? "the peer ended the connection unexpectedly" : "OpenSSL error \(code)"
        }
        let verdict = SSL_get_verify_result(ssl)
        if verdict != X509_V_OK {
            reason += " (\(String(cString: X509_verify_cert_error_string(verdict))))"
        }
        if reason.contains("wrong version number") || reason.contains("http request") || reason.contains("packet length too long") {
            reason += ": the peer does not speak TLS (a plain-text client on a TLS port, or the reverse)"
        }
        return reason
    }
}
