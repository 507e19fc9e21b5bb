import Foundation

/// A throwaway PKI made with the `openssl` CLI in a temporary directory: a
/// CA, a server certificate for 127.0.0.1 and localhost, a client
/// certificate, an expired server certificate, and a second CA that issued
/// nothing here (to show an untrusted server). EC P-256 keys: quick to make.
/// Paths are PEM files. Remove with ``remove()``.
public final class TestCertificates: @unchecked Sendable {
    public let directory: URL
    public var caCertificate: String { path("ca.pem") }
    public var serverCertificate: String { path("server.pem") }
    public var serverKey: String { path("server.key") }
    public var clientCertificate: String { path("client.pem") }
    public var clientKey: String { path("client.key") }
    /// A server certificate for 127.0.0.1 whose validity ended in 2020.
    public var expiredServerCertificate: String { path("expired.pem") }
    public var expiredServerKey: String { path("expired.key") }
    /// A CA that issued none of the certificates above.
    public var otherCACertificate: String { path("other-ca.pem") }

    public init() throws {
        directory = try TestPaths.temporaryDirectory("tls")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("issued"), withIntermediateDirectories: true)
        try Data().write(to: directory.appendingPathComponent("index.txt"))
        try Data("01\n".utf8).write(to: directory.appendingPathComponent("serial"))
        try Data(caConfiguration.utf8).write(to: directory.appendingPathComponent("ca.cnf"))
        try makeCA("ca", subject: "/CN=swerve test CA")
        try makeCA("other-ca", subject: "/CN=some other CA")
        try issue("server", subject: "/CN=localhost", san: "IP:127.0.0.1,DNS:localhost",
                  start: "20200101000000Z", end: "20991231000000Z")
        try issue("client", subject: "/CN=swerve test client", san: nil,
                  start: "20200101000000Z", end: "20991231000000Z")
        try issue("expired", subject: "/CN=localhost", san: "IP:127.0.0.1,DNS:localhost",
                  start: "20200101000000Z", end: "20200201000000Z")
    }

    public func remove() { try? FileManager.default.removeItem(at: directory) }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    private func makeCA(_ name: String, subject: String) throws {
        try openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                     "-keyout", path("\(name).key"), "-out", path("\(name).pem"), "-days", "30", "-subj", subject])
    }

    // `openssl ca` rather than `x509 -req`: only it takes explicit start and
    // end dates, which an expired certificate needs.
    private func issue(_ name: String, subject: String, san: String?, start: String, end: String) throws {
        var request = ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                       "-keyout", path("\(name).key"), "-out", path("\(name).csr"), "-subj", subject]
        if let san { request += ["-addext", "subjectAltName=\(san)"] }
        try openssl(request)
        try openssl(["ca", "-batch", "-notext", "-config", path("ca.cnf"), "-cert", path("ca.pem"), "-keyfile", path("ca.key"),
                     "-in", path("\(name).csr"), "-out", path("\(name).pem"), "-startdate", start, "-enddate", end])
    }

    private func openssl(_ arguments: [String]) throws {
        let run = try ChildProcess.run(URL(fileURLWithPath: "/usr/bin/openssl"), arguments, timeout: 60)
        guard run.status == 0 else {
            throw ChildProcessFailure("openssl \(arguments.joined(separator: " ")) failed (\(run.status ?? -1)):\n\(run.standardError)")
        }
    }

    private var caConfiguration: String {
        """
        [ca]
        default_ca = test_ca
        [test_ca]
        database = \(path("index.txt"))
        new_certs_dir = \(path("issued"))
        serial = \(path("serial"))
        default_md = sha256
        policy = any_name
        copy_extensions = copy
        unique_subject = no
        [any_name]
        commonName = supplied

        """
    }
}
