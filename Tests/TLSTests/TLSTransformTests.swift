import Logging
import SwerveTestSupport
import TLS
import Transport
import XCTest

/// Client and server ``TLSTransform``s talking to each other in memory: the
/// bytes one emits are fed to the other, in whatever pieces a test chooses.
final class TLSTransformTests: XCTestCase {
    static var certificates: TestCertificates!
    let logger = Logger(label: "tls-test")

    override class func setUp() {
        super.setUp()
        certificates = try! TestCertificates()
    }

    override class func tearDown() {
        certificates.remove()
        super.tearDown()
    }

    var certs: TestCertificates { Self.certificates }

    /// The two ends of one session and what each has delivered to its handler.
    final class Pair {
        let client: TLSTransform
        let server: TLSTransform
        var toServer: [UInt8] = []
        var toClient: [UInt8] = []
        var serverReceived: [UInt8] = []
        var clientReceived: [UInt8] = []

        init(client: TLSTransform, server: TLSTransform) {
            self.client = client
            self.server = server
        }

        func clientWrites(_ text: String) throws {
            try Array(text.utf8).withUnsafeBytes { try client.outbound($0) { toServer += $0 } }
        }

        func serverWrites(_ text: String) throws {
            try Array(text.utf8).withUnsafeBytes { try server.outbound($0) { toClient += $0 } }
        }

        /// Moves bytes both ways, `chunk` bytes per call, until nothing is in flight.
        func pump(chunk: Int = .max) throws {
            while !toServer.isEmpty || !toClient.isEmpty {
                let forServer = toServer
                toServer = []
                for piece in forServer.chunks(chunk) {
                    try piece.withUnsafeBytes { try server.inbound($0, deliver: { serverReceived += $0 }, reply: { toClient += $0 }) }
                }
                let forClient = toClient
                toClient = []
                for piece in forClient.chunks(chunk) {
                    try piece.withUnsafeBytes { try client.inbound($0, deliver: { clientReceived += $0 }, reply: { toServer += $0 }) }
                }
            }
        }
    }

    func makePair(server: TLSServerConfiguration? = nil, client: TLSClientConfiguration? = nil,
                  serverALPN: [String] = [], clientALPN: [String] = [], serverName: String = "127.0.0.1") throws -> Pair {
        let serverContext = try TLSServerContext(server ?? TLSServerConfiguration(certificateFile: certs.serverCertificate, privateKeyFile: certs.serverKey),
                                                 alpn: serverALPN, logger: logger)
        let clientContext = try TLSClientContext(client ?? TLSClientConfiguration(caFile: certs.caCertificate), alpn: clientALPN)
        return Pair(client: try clientContext.makeTransform(serverName: serverName), server: try serverContext.makeTransform())
    }

    func testHandshakeThenDataBothWays() throws {
        let pair = try makePair()
        try pair.clientWrites("ping before the handshake")
        XCTAssertFalse(pair.client.isHandshakeComplete)
        XCTAssertFalse(pair.toServer.isEmpty, "the first write sends the ClientHello")
        try pair.pump()
        XCTAssertTrue(pair.client.isHandshakeComplete)
        XCTAssertTrue(pair.server.isHandshakeComplete)
        XCTAssertEqual(String(decoding: pair.serverReceived, as: UTF8.self), "ping before the handshake")
        try pair.serverWrites("pong")
        try pair.pump()
        XCTAssertEqual(String(decoding: pair.clientReceived, as: UTF8.self), "pong")
        XCTAssertNil(pair.client.negotiatedProtocol)
    }

    func testRecordsSplitIntoSingleBytesAndLargeWrites() throws {
        let pair = try makePair(serverName: "localhost")
        try pair.clientWrites("hello")
        try pair.pump(chunk: 1)
        XCTAssertEqual(String(decoding: pair.serverReceived, as: UTF8.self), "hello")
        // Larger than one TLS record (16 KiB): several records, delivered whole.
        let big = String(repeating: "swerve-", count: 10_000)
        try pair.serverWrites(big)
        try pair.pump(chunk: 777)
        XCTAssertEqual(pair.clientReceived.count, big.utf8.count)
        XCTAssertEqual(String(decoding: pair.clientReceived, as: UTF8.self), big)
    }

    func testCloseNotifyReachesThePeer() throws {
        let pair = try makePair()
        try pair.clientWrites("x")
        try pair.pump()
        XCTAssertFalse(pair.client.receivedCloseNotify)
        pair.server.finish { pair.toClient += $0 }
        XCTAssertFalse(pair.toClient.isEmpty, "finish emits close_notify")
        try pair.pump()
        XCTAssertTrue(pair.client.receivedCloseNotify)
    }

    func testALPNPicksTheServersProtocolOrNone() throws {
        let h2 = try makePair(serverALPN: ["h2"], clientALPN: ["h2", "http/1.1"])
        try h2.clientWrites("x")
        try h2.pump()
        XCTAssertEqual(h2.client.negotiatedProtocol, "h2")
        XCTAssertEqual(h2.server.negotiatedProtocol, "h2")
        let none = try makePair(serverALPN: ["h2"], clientALPN: ["http/1.1"])
        try none.clientWrites("x")
        try none.pump()
        XCTAssertNil(none.client.negotiatedProtocol, "no protocol in common: the handshake goes on without ALPN")
        XCTAssertEqual(String(decoding: none.serverReceived, as: UTF8.self), "x")
    }

    func testUntrustedServerIsRefusedByTheClient() throws {
        let pair = try makePair(client: TLSClientConfiguration(caFile: certs.otherCACertificate))
        try pair.clientWrites("x")
        XCTAssertThrowsError(try pair.pump()) { error in
            XCTAssertTrue("\(error)".contains("certificate verify failed"), "\(error)")
        }
        XCTAssertTrue(pair.serverReceived.isEmpty)
    }

    func testExpiredServerCertificateIsRefusedByTheClient() throws {
        let pair = try makePair(server: TLSServerConfiguration(certificateFile: certs.expiredServerCertificate,
                                                               privateKeyFile: certs.expiredServerKey))
        try pair.clientWrites("x")
        XCTAssertThrowsError(try pair.pump()) { error in
            XCTAssertEqual("\(error)", "TLS handshake failed: certificate verify failed (certificate has expired)")
        }
    }

    func testWrongNameIsRefusedByTheClient() throws {
        let pair = try makePair(serverName: "swerve.example")
        try pair.clientWrites("x")
        XCTAssertThrowsError(try pair.pump()) { error in
            XCTAssertTrue("\(error)".contains("hostname mismatch"), "\(error)")
        }
    }

    func testPlainTextToTheServerFailsWithAHint() throws {
        let server = try TLSServerContext(TLSServerConfiguration(certificateFile: certs.serverCertificate, privateKeyFile: certs.serverKey),
                                          alpn: [], logger: logger).makeTransform()
        var replied: [UInt8] = []
        XCTAssertThrowsError(try Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8).withUnsafeBytes {
            try server.inbound($0, deliver: { _ in XCTFail("nothing is delivered") }, reply: { replied += $0 })
        }) { error in
            XCTAssertTrue("\(error)".contains("does not speak TLS"), "\(error)")
        }
        // Further bytes fail the same way rather than reaching OpenSSL again.
        XCTAssertThrowsError(try [UInt8](repeating: 0, count: 8).withUnsafeBytes {
            try server.inbound($0, deliver: { _ in }, reply: { _ in })
        })
    }

    func testMutualTLSNeedsAClientCertificateFromTheCA() throws {
        let mutual = TLSServerConfiguration(certificateFile: certs.serverCertificate, privateKeyFile: certs.serverKey,
                                            clientCAFile: certs.caCertificate)
        let accepted = try makePair(server: mutual, client: TLSClientConfiguration(
            caFile: certs.caCertificate, certificateFile: certs.clientCertificate, privateKeyFile: certs.clientKey))
        try accepted.clientWrites("with a certificate")
        try accepted.pump()
        XCTAssertEqual(String(decoding: accepted.serverReceived, as: UTF8.self), "with a certificate")

        let refused = try makePair(server: mutual)
        try refused.clientWrites("without")
        XCTAssertThrowsError(try refused.pump()) { error in
            XCTAssertTrue("\(error)".contains("peer did not return a certificate"), "\(error)")
        }
        XCTAssertTrue(refused.serverReceived.isEmpty)
    }

    func testConfigurationErrorsNameTheFile() {
        XCTAssertThrowsError(try TLSServerContext(TLSServerConfiguration(certificateFile: "/nonexistent/cert.pem", privateKeyFile: certs.serverKey),
                                                  alpn: [], logger: logger)) { error in
            XCTAssertEqual("\(error)", "TLS configuration: cannot read server certificate /nonexistent/cert.pem: No such file or directory")
        }
        XCTAssertThrowsError(try TLSServerContext(TLSServerConfiguration(certificateFile: certs.serverCertificate, privateKeyFile: certs.clientKey),
                                                  alpn: [], logger: logger)) { error in
            XCTAssertTrue("\(error)".contains("key values mismatch"), "\(error)")
        }
        XCTAssertThrowsError(try TLSClientContext(TLSClientConfiguration(caFile: certs.caCertificate, certificateFile: certs.clientCertificate))) { error in
            XCTAssertTrue("\(error)".contains("give both or neither"), "\(error)")
        }
        let exposedKey = certs.directory.appendingPathComponent("exposed.key").path
        XCTAssertNoThrow(try FileManager.default.copyItem(atPath: certs.serverKey, toPath: exposedKey))
        chmod(exposedKey, 0o644)
        XCTAssertThrowsError(try TLSServerContext(TLSServerConfiguration(certificateFile: certs.serverCertificate, privateKeyFile: exposedKey),
                                                  alpn: [], logger: logger)) { error in
            XCTAssertEqual("\(error)", "TLS configuration: server key \(exposedKey) is readable by every user (mode 644): chmod o-r it, e.g. chmod 600")
        }
        XCTAssertThrowsError(try TLSClientContext(TLSClientConfiguration(caFile: certs.serverKey))) { error in
            XCTAssertTrue("\(error)".contains("cannot use CA file"), "\(error)")
        }
    }
}

extension Array {
    func chunks(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: Swift.max(1, Swift.min(size, count))).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
