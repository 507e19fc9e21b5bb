/// A server's certificate, key and (for mutual TLS) the CA its clients'
/// certificates must come from. Paths to PEM files.
public struct TLSServerConfiguration: Sendable, Equatable {
    /// The certificate chain (server certificate first, then intermediates).
    public var certificateFile: String
    public var privateKeyFile: String
    /// Set: clients must present a certificate issued by this CA (mutual TLS).
    public var clientCAFile: String?

    public init(certificateFile: String, privateKeyFile: String, clientCAFile: String? = nil) {
        self.certificateFile = certificateFile
        self.privateKeyFile = privateKeyFile
        self.clientCAFile = clientCAFile
    }
}

/// What a client trusts and, for mutual TLS, the certificate it presents.
public struct TLSClientConfiguration: Sendable, Equatable {
    /// The CA the server's certificate must come from; nil = the system's trust store.
    public var caFile: String?
    /// The client's own certificate and key (both or neither).
    public var certificateFile: String?
    public var privateKeyFile: String?

    public init(caFile: String? = nil, certificateFile: String? = nil, privateKeyFile: String? = nil) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.privateKeyFile = privateKeyFile
    }
}
