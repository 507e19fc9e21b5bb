import ArgumentParser
import TLS

/// `--tls-cert`, `--tls-key`, `--tls-client-ca`: TLS on the ports a server
/// listens on (`swerve serve`'s binary and REST ports, `swerve rest`'s port).
struct ServerTLSOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Serve TLS with this PEM certificate chain (needs --tls-key).", valueName: "PEM"))
    var tlsCert: String = EnvironmentDefaults.value("TLS_CERT", "")

    @Option(help: ArgumentHelp("The private key of --tls-cert.", valueName: "PEM"))
    var tlsKey: String = EnvironmentDefaults.value("TLS_KEY", "")

    @Option(help: ArgumentHelp("Mutual TLS: clients must present a certificate issued by this CA.", valueName: "PEM"))
    var tlsClientCa: String = EnvironmentDefaults.value("TLS_CLIENT_CA", "")

    func validate() throws {
        if tlsCert.isEmpty != tlsKey.isEmpty {
            throw ValidationError("--tls-cert and --tls-key go together: give both or neither")
        }
        if !tlsClientCa.isEmpty && tlsCert.isEmpty {
            throw ValidationError("--tls-client-ca needs --tls-cert and --tls-key (mutual TLS is TLS first)")
        }
    }

    /// nil: plain text.
    var configuration: TLSServerConfiguration? {
        guard !tlsCert.isEmpty, !tlsKey.isEmpty else { return nil }
        return TLSServerConfiguration(certificateFile: tlsCert, privateKeyFile: tlsKey, clientCAFile: tlsClientCa.nonEmpty)
    }
}

/// `--tls-ca`, `--tls-client-cert`, `--tls-client-key`: TLS for the client
/// commands. Any of them turns TLS on; without `--tls-ca` the system's CA
/// store decides whom to trust.
struct ClientTLSOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Speak TLS and trust server certificates issued by this CA.", valueName: "PEM"))
    var tlsCa: String = EnvironmentDefaults.value("TLS_CA", "")

    @Option(help: ArgumentHelp("Mutual TLS: present this certificate (needs --tls-client-key).", valueName: "PEM"))
    var tlsClientCert: String = EnvironmentDefaults.value("TLS_CLIENT_CERT", "")

    @Option(help: ArgumentHelp("The private key of --tls-client-cert.", valueName: "PEM"))
    var tlsClientKey: String = EnvironmentDefaults.value("TLS_CLIENT_KEY", "")

    func validate() throws {
        _ = try clientTLSConfiguration(ca: tlsCa, certificate: tlsClientCert, key: tlsClientKey, flagPrefix: "")
    }

    /// Whether any --tls-* flag (or its SWERVE_* variable) asks for TLS.
    var isOn: Bool { !tlsCa.isEmpty || !tlsClientCert.isEmpty }

    /// nil: plain text. A file that cannot be used is a validation error naming it.
    func context() throws -> TLSClientContext? {
        guard let configuration = try clientTLSConfiguration(ca: tlsCa, certificate: tlsClientCert, key: tlsClientKey, flagPrefix: "") else {
            return nil
        }
        do {
            return try TLSClientContext(configuration)
        } catch {
            throw ValidationError("\(error)")
        }
    }
}

/// The client side of TLS from a `--PREFIXtls-ca`, `--PREFIXtls-client-cert`,
/// `--PREFIXtls-client-key` triple (the CLI's own, `--member-…`, `--upstream-…`):
/// nil when none is given; a certificate without its key (or the reverse) is
/// a validation error naming the flags. An empty path is no path (the
/// `SWERVE_*` environment defaults are empty when unset).
func clientTLSConfiguration(ca: String, certificate: String, key: String, flagPrefix: String) throws -> TLSClientConfiguration? {
    let (ca, certificate, key) = (ca.nonEmpty, certificate.nonEmpty, key.nonEmpty)
    if (certificate == nil) != (key == nil) {
        throw ValidationError("--\(flagPrefix)tls-client-cert and --\(flagPrefix)tls-client-key go together: give both or neither")
    }
    guard ca != nil || certificate != nil else { return nil }
    return TLSClientConfiguration(caFile: ca, certificateFile: certificate, privateKeyFile: key)
}

extension String {
    /// nil for "", the string otherwise: an unset path flag.
    var nonEmpty: String? { isEmpty ? nil : self }
}
