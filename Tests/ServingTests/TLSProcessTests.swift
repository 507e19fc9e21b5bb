import Foundation
import SwerveTestSupport
import XCTest

/// TLS end to end with real processes: `swerve serve` with `--tls-cert`
/// (binary and REST ports), the same with `--tls-client-ca` (mutual TLS), one
/// with an expired certificate, and `swerve rest` over TLS to a TLS upstream;
/// clients are curl, Python's `ssl`, the swerve CLI and a plain-text socket.
/// Certificates come from ``TestCertificates`` (the openssl CLI).
final class TLSProcessTests: XCTestCase {
    nonisolated(unsafe) static var certificates: TestCertificates!
    nonisolated(unsafe) static var repository: URL!
    nonisolated(unsafe) static var server: SwerveProcess!

    static let iris = #"{"instances": [[5.1, 3.5, 1.4, 0.2]]}"#
    static let irisPrediction = #"{"predictions":[{"label":0,"probabilities":{"0":0.9796692,"1":0.011212017,"2":0.009118753}}]}"#

    override class func setUp() {
        super.setUp()
        certificates = try! TestCertificates()
        repository = try! TestPaths.repository(with: ["iris"], testName: "tls")
        server = try! SwerveProcess(models: repository, arguments: tlsArguments())
    }

    override class func tearDown() {
        server = nil
        certificates.remove()
        try? FileManager.default.removeItem(at: repository)
        super.tearDown()
    }

    var certs: TestCertificates { Self.certificates }

    static func tlsArguments(certificate: String? = nil, key: String? = nil, clientCA: String? = nil) -> [String] {
        var arguments = ["--tls-cert", certificate ?? certificates.serverCertificate, "--tls-key", key ?? certificates.serverKey]
        if let clientCA { arguments += ["--tls-client-ca", clientCA] }
        return arguments
    }

    func curl(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try runCommand(URL(fileURLWithPath: "/usr/bin/curl"), ["-sS", "--max-time", "20"] + arguments, timeout: 30)
    }

    func swerve(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try runCommand(TestPaths.swerveBinary, arguments + ["--timeout-seconds", "10"], timeout: 30)
    }

    // MARK: REST over TLS

    func testCurlOverTLSToREST() throws {
        let port = try XCTUnwrap(Self.server.restPort)
        let predict = try curl(["--cacert", certs.caCertificate, "-d", Self.iris, "https://127.0.0.1:\(port)/v1/models/iris:predict"])
        XCTAssertEqual(predict.status, 0, predict.stderr)
        XCTAssertEqual(predict.stdout, Self.irisPrediction)
        // By name too (the certificate's DNS SAN), keep-alive over one TLS connection for two requests.
        let twice = try curl(["--cacert", certs.caCertificate, "--resolve", "localhost:\(port):127.0.0.1",
                              "https://localhost:\(port)/v2/health/ready", "https://localhost:\(port)/v2/health/ready"])
        XCTAssertEqual(twice.stdout, #"{"ready":true}{"ready":true}"#, twice.stderr)
        // A client that does not trust the CA refuses the server.
        let untrusted = try curl(["--cacert", certs.otherCACertificate, "https://127.0.0.1:\(port)/v2/health/ready"])
        XCTAssertEqual(untrusted.status, 60, "curl's 'peer certificate cannot be authenticated': \(untrusted.stderr)")
    }

    func testPythonSSLToRESTNegotiatesHTTP11() throws {
        let port = try XCTUnwrap(Self.server.restPort)
        let script = """
            import http.client, ssl, sys
            context = ssl.create_default_context(cafile=sys.argv[1])
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            context.set_alpn_protocols(["h2", "http/1.1"])
            connection = http.client.HTTPSConnection("127.0.0.1", int(sys.argv[2]), context=context, timeout=20)
            connection.request("POST", "/v1/models/iris:predict", body=sys.argv[3], headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            print(response.status, connection.sock.selected_alpn_protocol(), connection.sock.version())
            print(response.read().decode())
            """
        let run = try runCommand(URL(fileURLWithPath: "/usr/bin/python3"), ["-c", script, certs.caCertificate, "\(port)", Self.iris])
        XCTAssertEqual(run.status, 0, run.stderr)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "200 http/1.1 TLSv1.3")
        XCTAssertEqual(lines.dropFirst().first, Self.irisPrediction)
    }

    // MARK: The binary protocol over TLS

    func testCLIOverTLSToTheBinaryPort() throws {
        let server = "127.0.0.1:\(Self.server.port)"
        let health = try swerve(["health", "--server", server, "--tls-ca", certs.caCertificate])
        XCTAssertEqual(health.status, 0, health.stderr)
        XCTAssertTrue(health.stdout.contains(#""serving": true"#), health.stdout)
        let predict = try swerve(["predict", "--server", server, "--tls-ca", certs.caCertificate, "--model", "iris",
                                  "--data", "[[5.1, 3.5, 1.4, 0.2]]"])
        XCTAssertEqual(predict.status, 0, predict.stderr)
        XCTAssertTrue(predict.stdout.contains("0.9796692"), predict.stdout)
        // SWERVE_TLS_CA stands in for --tls-ca (a container's health check).
        let fromEnvironment = try runCommand(TestPaths.swerveBinary, ["health", "--server", server],
                                             environment: ["SWERVE_TLS_CA": certs.caCertificate])
        XCTAssertEqual(fromEnvironment.status, 0, fromEnvironment.stderr)
        let untrusted = try swerve(["health", "--server", server, "--tls-ca", certs.otherCACertificate])
        XCTAssertEqual(untrusted.status, 1)
        XCTAssertTrue(untrusted.stderr.contains("TLS handshake failed: certificate verify failed (unable to get local issuer certificate)"),
                      untrusted.stderr)
    }

    func testPlainTextToATLSPortIsClosedAndLogged() throws {
        // A plain swerve client: the server answers with an alert and closes; the client fails at once.
        let plainCLI = try swerve(["health", "--server", "127.0.0.1:\(Self.server.port)"])
        XCTAssertEqual(plainCLI.status, 1, plainCLI.stdout)
        XCTAssertTrue(plainCLI.stderr.contains("connection closed before a response arrived (does the server use TLS? then pass --tls-ca)"),
                      plainCLI.stderr)
        // Plain HTTP to the REST port: closed, no response, no hang (the socket's read timeout would fail this).
        let fd = try connectLoopback(port: try XCTUnwrap(Self.server.restPort), timeoutSeconds: 10)
        defer { close(fd) }
        let request = Array("GET /v2/health/ready HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        XCTAssertEqual(request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }, request.count)
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { received += buffer[..<n]; continue }
            XCTAssertTrue(n == 0 || errno == ECONNRESET, "the server closed the connection (errno \(errno), not a read timeout)")
            break
        }
        XCTAssertFalse(String(decoding: received, as: UTF8.self).contains("HTTP/1.1"), "no plain-text answer")
        XCTAssertTrue(received.isEmpty || received.first == 0x15, "a TLS alert record, if anything: \(received)")
        waitUntil("the server logs the refused plain-text client", timeout: 10) {
            Self.server.standardError.contains("does not speak TLS (a plain-text client on a TLS port")
        }
        XCTAssertTrue(Self.server.standardError.contains("TLS handshake with 127.0.0.1:"), Self.server.standardError)
    }

    func testExpiredServerCertificateIsRefusedByTheClient() throws {
        let expired = try SwerveProcess(models: Self.repository, arguments: Self.tlsArguments(
            certificate: certs.expiredServerCertificate, key: certs.expiredServerKey))
        let health = try swerve(["health", "--server", "127.0.0.1:\(expired.port)", "--tls-ca", certs.caCertificate])
        XCTAssertEqual(health.status, 1)
        XCTAssertTrue(health.stderr.contains("TLS handshake failed: certificate verify failed (certificate has expired)"), health.stderr)
        let restPort = try XCTUnwrap(expired.restPort)
        let viaCurl = try curl(["--cacert", certs.caCertificate, "https://127.0.0.1:\(restPort)/v2/health/ready"])
        XCTAssertEqual(viaCurl.status, 60, viaCurl.stderr)
        XCTAssertTrue(viaCurl.stderr.contains("expired"), viaCurl.stderr)
    }

    // MARK: Mutual TLS

    func testMutualTLSAcceptsAClientCertificateAndRefusesNone() throws {
        let mutual = try SwerveProcess(models: Self.repository, arguments: Self.tlsArguments(clientCA: certs.caCertificate))
        let server = "127.0.0.1:\(mutual.port)"
        let withCertificate = try swerve(["health", "--server", server, "--tls-ca", certs.caCertificate,
                                          "--tls-client-cert", certs.clientCertificate, "--tls-client-key", certs.clientKey])
        XCTAssertEqual(withCertificate.status, 0, withCertificate.stderr)
        let without = try swerve(["health", "--server", server, "--tls-ca", certs.caCertificate])
        XCTAssertEqual(without.status, 1)
        XCTAssertTrue(without.stderr.contains("certificate required"), without.stderr)
        waitUntil("the server logs the missing client certificate", timeout: 10) {
            mutual.standardError.contains("peer did not return a certificate")
        }

        let restPort = try XCTUnwrap(mutual.restPort)
        let curlWith = try curl(["--cacert", certs.caCertificate, "--cert", certs.clientCertificate, "--key", certs.clientKey,
                                 "https://127.0.0.1:\(restPort)/v2/health/ready"])
        XCTAssertEqual(curlWith.stdout, #"{"ready":true}"#, curlWith.stderr)
        let curlWithout = try curl(["--cacert", certs.caCertificate, "https://127.0.0.1:\(restPort)/v2/health/ready"])
        XCTAssertNotEqual(curlWithout.status, 0)
        XCTAssertEqual(curlWithout.stdout, "")
    }

    // MARK: swerve rest over TLS, to a TLS upstream

    func testRESTAdapterServesTLSAndCallsItsUpstreamOverTLS() throws {
        let adapter = try RESTAdapterProcess(upstreamPort: Self.server.port, arguments: Self.tlsArguments()
                                             + ["--upstream-tls-ca", certs.caCertificate])
        let predict = try curl(["--cacert", certs.caCertificate, "-d", Self.iris, "https://127.0.0.1:\(adapter.port)/v1/models/iris:predict"])
        XCTAssertEqual(predict.stdout, Self.irisPrediction, predict.stderr)
    }

    // MARK: Fan-out members over mutual TLS

    func testFanOutCallsItsMembersOverMutualTLS() throws {
        var members: [FanOutServerProcess] = []
        var repositories: [URL] = []
        defer { for r in repositories { try? FileManager.default.removeItem(at: r) } }
        for species in FanOutTopology.species {
            let repository = try TestPaths.repository(with: ["iris-\(species)"], testName: "tls-member")
            repositories.append(repository)
            members.append(try FanOutServerProcess(models: repository, arguments: Self.tlsArguments(clientCA: certs.caCertificate)))
        }
        let front = try TestPaths.repository(with: ["iris-ovr"], testName: "tls-front")
        repositories.append(front)
        let memberArguments = zip(FanOutTopology.species, members).flatMap { ["--member", "\($0)=127.0.0.1:\($1.port)"] }
        let aggregator = try FanOutServerProcess(models: front, arguments: memberArguments + Self.tlsArguments() + [
            "--member-tls-ca", certs.caCertificate,
            "--member-tls-client-cert", certs.clientCertificate, "--member-tls-client-key", certs.clientKey])
        let predict = ["predict", "--server", "127.0.0.1:\(aggregator.port)", "--tls-ca", certs.caCertificate,
                       "--model", "iris-ovr", "--data", "[[5.1, 3.5, 1.4, 0.2]]"]
        let answer = try swerve(predict)
        XCTAssertEqual(answer.status, 0, answer.stderr)
        XCTAssertTrue(answer.stdout.contains("setosa"), answer.stdout)

        // Without --member-tls-*, the same front cannot reach its members.
        let plainFront = try FanOutServerProcess(models: front, arguments: memberArguments + Self.tlsArguments())
        let refused = try swerve(["predict", "--server", "127.0.0.1:\(plainFront.port)", "--tls-ca", certs.caCertificate,
                                  "--model", "iris-ovr", "--data", "[[5.1, 3.5, 1.4, 0.2]]"])
        XCTAssertEqual(refused.status, 1, refused.stdout)
        XCTAssertTrue(refused.stderr.contains("UNAVAILABLE") || refused.stderr.contains("unavailable"), refused.stderr)
    }

    // MARK: swerve-bench over TLS (the TLS-against-plain benchmark needs it)

    func testSwerveBenchLoadsBothPortsOverTLS() throws {
        let bench = TestPaths.swerveBinary.deletingLastPathComponent().appendingPathComponent("swerve-bench")
        let common = ["--requests", "200", "--connections", "2", "--warmup", "0", "--quiet"]
        let binary = try runCommand(bench, ["--target", "127.0.0.1:\(Self.server.port)", "--tls-ca", certs.caCertificate] + common)
        XCTAssertEqual(binary.status, 0, binary.stderr)
        let restPort = try XCTUnwrap(Self.server.restPort)
        let rest = try runCommand(bench, ["--http", "https://127.0.0.1:\(restPort)/v1/models/iris:predict", "--features", "4",
                                          "--tls-ca", certs.caCertificate] + common)
        XCTAssertEqual(rest.status, 0, rest.stderr)
        for run in [binary, rest] {
            XCTAssertTrue(run.stdout.contains("over TLS") && run.stdout.contains("errors: none"), run.stdout)
        }
        let untrusted = try runCommand(bench, ["--target", "127.0.0.1:\(Self.server.port)", "--tls-ca", certs.otherCACertificate] + common)
        XCTAssertNotEqual(untrusted.status, 0)
        XCTAssertTrue(untrusted.stderr.contains("certificate verify failed"), untrusted.stderr)
    }

    // MARK: Flags

    func testBadTLSFlagsAreRefusedWithAClearError() throws {
        let missingKey = try swerve(["health", "--tls-client-cert", certs.clientCertificate])
        XCTAssertNotEqual(missingKey.status, 0)
        XCTAssertTrue(missingKey.stderr.contains("--tls-client-cert and --tls-client-key go together"), missingKey.stderr)
        let serve = try runCommand(TestPaths.swerveBinary, ["serve", "--models", Self.repository.path, "--port", "0", "--rest-port", "0",
                                                            "--tls-cert", "/nonexistent.pem", "--tls-key", certs.serverKey])
        XCTAssertEqual(serve.status, 1)
        XCTAssertTrue(serve.stderr.contains("cannot read server certificate /nonexistent.pem: No such file or directory"), serve.stderr)
    }
}
