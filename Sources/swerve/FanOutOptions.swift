#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import SwerveClient
import TLS

/// `swerve serve` options for fan-out models. Without `--member`, the
/// comma-separated list in `SWERVE_MEMBERS` (`setosa=host:port,...`) applies,
/// as docker-compose.yml sets it.
struct FanOutOptions: ParsableArguments {
    @Option(help: "Bearer token sent to fan-out members started with --auth-tokens (needs scope predict).")
    var memberToken: String? = EnvironmentDefaults.optional("MEMBER_TOKEN")

    @Option(name: .customLong("member"),
            help: ArgumentHelp("Serve a fan-out member from HOST:PORT instead of its config.json endpoint "
                + "(or in-process); NAME is a member name, or MODEL/MEMBER for one fan-out model. Repeatable; "
                + "default: the comma-separated list in SWERVE_MEMBERS.",
                valueName: "NAME=HOST:PORT"))
    var members: [String] = []

    @Option(help: ArgumentHelp("Call fan-out members over TLS, trusting certificates this CA issued.", valueName: "PEM"))
    var memberTlsCa: String = EnvironmentDefaults.value("MEMBER_TLS_CA", "")

    @Option(help: ArgumentHelp("Mutual TLS to members: present this certificate (with --member-tls-client-key).", valueName: "PEM"))
    var memberTlsClientCert: String = EnvironmentDefaults.value("MEMBER_TLS_CLIENT_CERT", "")

    @Option(help: ArgumentHelp("The private key of --member-tls-client-cert.", valueName: "PEM"))
    var memberTlsClientKey: String = EnvironmentDefaults.value("MEMBER_TLS_CLIENT_KEY", "")

    /// TLS to members when any --member-tls-* flag is given.
    var memberTLS: TLSClientConfiguration? {
        try? clientTLSConfiguration(ca: memberTlsCa, certificate: memberTlsClientCert, key: memberTlsClientKey, flagPrefix: "member-")
    }

    /// `--member` values as name → `HOST:PORT`.
    var endpointOverrides: [String: String] {
        var map: [String: String] = [:]
        for text in effectiveMembers {
            if let (name, address) = Self.split(text) { map[name] = address }
        }
        return map
    }

    func validate() throws {
        _ = try clientTLSConfiguration(ca: memberTlsCa, certificate: memberTlsClientCert, key: memberTlsClientKey, flagPrefix: "member-")
        var seen: Set<String> = []
        for text in effectiveMembers {
            guard let (name, address) = Self.split(text) else {
                throw ValidationError("--member '\(text)' is not NAME=HOST:PORT")
            }
            guard ServerAddress(address) != nil else {
                throw ValidationError("--member '\(text)': '\(address)' is not HOST:PORT (IPv6 in brackets, port 1...65535)")
            }
            guard seen.insert(name).inserted else { throw ValidationError("--member \(name) is given twice") }
        }
    }

    /// `--member` values, or else SWERVE_MEMBERS split at commas.
    private var effectiveMembers: [String] {
        if !members.isEmpty { return members }
        guard let pointer = getenv("SWERVE_MEMBERS") else { return [] }
        return String(cString: pointer).split(separator: ",").map { String($0.filter { !$0.isWhitespace }) }.filter { !$0.isEmpty }
    }

    private static func split(_ text: String) -> (String, String)? {
        guard let eq = text.firstIndex(of: "=") else { return nil }
        let name = String(text[..<eq])
        let address = String(text[text.index(after: eq)...])
        return name.isEmpty || address.isEmpty ? nil : (name, address)
    }
}
