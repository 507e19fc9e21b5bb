import SwerveTestSupport
import REST
import XCTest

/// HTTP/1.1 connection behaviour: keep-alive, pipelining, partial writes,
/// chunked bodies, body limits and slow clients.
final class RESTConnectionTests: XCTestCase {
    var server: FakeRESTServer!

    override func tearDown() {
        server?.shutdown()
        server = nil
    }

    private func start(_ configure: (inout RESTServer.Options) -> Void = { _ in }) throws {
        server = try FakeRESTServer(configure: configure)
    }

    static let predictBody = #"{"instances": [[5.1, 3.5, 1.4, 0.2]]}"#

    func testKeepAliveServesManyRequestsOnOneConnection() throws {
        try start()
        let client = try server.client()
        for _ in 0..<20 {
            let r = try client.call("POST", "/v1/models/iris:predict", body: Self.predictBody)
            XCTAssertEqual(r.status, 200)
            XCTAssertNil(r.headers["connection"])
        }
    }

    func testPipelinedResponsesComeBackInRequestOrder() throws {
        try start()
        let client = try server.client()
        // The first call is answered 150 ms later from another thread; the
        // ones after it are answered at once but must wait their turn.
        var batch = RawHTTPClient.request("POST", "/v1/models/slow:predict", body: #"{"instances": [[6.3, 3.3, 6.0, 2.5]]}"#)
        batch += RawHTTPClient.request("POST", "/v1/models/iris:predict", body: Self.predictBody)
        batch += RawHTTPClient.request("GET", "/v2/health/live")
        batch += RawHTTPClient.request("GET", "/v1/models/nope")
        try client.send(batch)
        let first = try client.readResponse()
        XCTAssertTrue(first.text.contains(#""2":0.875"#), first.text)
        XCTAssertEqual(try client.readResponse().text, #"{"predictions":[{"label":0,"probabilities":{"0":0.75,"1":0.125,"2":0.125}}]}"#)
        XCTAssertEqual(try client.readResponse().text, #"{"live":true}"#)
        XCTAssertEqual(try client.readResponse().status, 404)
    }

    func testRequestSplitIntoOneByteWritesIsParsed() throws {
        try start()
        let client = try server.client()
        let bytes = Array(RawHTTPClient.request("POST", "/v1/models/iris:predict", body: Self.predictBody).utf8)
        for b in bytes { try client.send([b]) }
        let r = try client.readResponse()
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertTrue(r.text.hasPrefix(#"{"predictions":[{"label":0"#))
    }

    func testChunkedBodyIsAccepted() throws {
        try start()
        let client = try server.client()
        let body = Self.predictBody
        let half = body.utf8.count / 2
        let a = String(body.utf8.prefix(half))!
        let b = String(body.utf8.dropFirst(half))!
        let request = "POST /v1/models/iris:predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            + String(a.utf8.count, radix: 16) + "\r\n" + a + "\r\n" + String(b.utf8.count, radix: 16) + "\r\n" + b + "\r\n0\r\n\r\n"
        try client.send(request)
        let r = try client.readResponse()
        XCTAssertEqual(r.status, 200, r.text)
    }

    func testOversizedBodyIs413BeforeTheBodyIsSent() throws {
        try start { $0.maxBodyBytes = 1000 }
        let client = try server.client()
        // Only the headers go out: the answer must not wait for 10 MB.
        try client.send("POST /v1/models/iris:predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n")
        let r = try client.readResponse()
        XCTAssertEqual(r.status, 413)
        XCTAssertEqual(r.headers["connection"], "close")
        XCTAssertTrue(r.text.contains("10000000 bytes is larger than the limit of 1000 bytes"), r.text)
        XCTAssertTrue(client.waitForClose())
    }

    func testOversizedChunkedBodyIs413() throws {
        try start { $0.maxBodyBytes = 100 }
        let client = try server.client()
        let chunk = String(repeating: "x", count: 80)
        try client.send("POST /predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n50\r\n\(chunk)\r\n50\r\n\(chunk)\r\n")
        XCTAssertEqual(try client.readResponse().status, 413)
        XCTAssertTrue(client.waitForClose())
    }

    func testSlowClientIsDroppedWith408() throws {
        try start {
            $0.headerTimeout = .milliseconds(300)
            $0.sweepInterval = .milliseconds(20)
        }
        let client = try server.client()
        try client.send("POST /v1/models/iris:predict HTTP/1.1\r\nHost: x\r\nContent-")
        let r = try client.readResponse()
        XCTAssertEqual(r.status, 408)
        XCTAssertTrue(r.text.contains("headers not received"), r.text)
        XCTAssertTrue(client.waitForClose())
    }

    func testSlowBodyIsDroppedWith408() throws {
        try start {
            $0.bodyTimeout = .milliseconds(300)
            $0.sweepInterval = .milliseconds(20)
        }
        let client = try server.client()
        try client.send("POST /v1/models/iris:predict HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{\"inst")
        let r = try client.readResponse()
        XCTAssertEqual(r.status, 408)
        XCTAssertTrue(r.text.contains("body not received"), r.text)
        XCTAssertTrue(client.waitForClose())
    }

    func testIdleKeepAliveConnectionIsClosed() throws {
        try start {
            $0.idleTimeout = .milliseconds(300)
            $0.sweepInterval = .milliseconds(20)
        }
        let client = try server.client()
        XCTAssertEqual(try client.call("GET", "/v2/health/live").status, 200)
        XCTAssertTrue(client.waitForClose())
    }

    func testMalformedRequestIs400AndCloses() throws {
        try start()
        let client = try server.client()
        try client.send("NOT A REQUEST\r\n\r\n")
        let r = try client.readResponse()
        XCTAssertEqual(r.status, 400)
        XCTAssertTrue(r.text.contains("malformed HTTP request"), r.text)
        XCTAssertTrue(client.waitForClose())
    }

    func testConnectionCloseIsHonouredAfterTheResponse() throws {
        try start()
        let client = try server.client()
        let r = try client.call("GET", "/v2/health/live", headers: ["Connection": "close"])
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(r.headers["connection"], "close")
        XCTAssertTrue(client.waitForClose())
    }

    func testExpectContinueGetsAnInterimResponse() throws {
        try start()
        let client = try server.client()
        let body = Self.predictBody
        try client.send("POST /v1/models/iris:predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: \(body.utf8.count)\r\n\r\n")
        // readResponse skips the 100 once the final response is there.
        try client.send(body)
        XCTAssertEqual(try client.readResponse().status, 200)
    }

    func testShutdownClosesIdleConnections() throws {
        try start()
        let client = try server.client()
        XCTAssertEqual(try client.call("GET", "/v2/health/live").status, 200)
        server.shutdown()
        server = nil
        XCTAssertTrue(client.waitForClose())
    }
}

extension RESTConnectionTests {
    func testOverlongTargetAndHeadersAreRefused() throws {
        try start()
        let long = try server.client()
        try long.send("GET /v1/models/" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\nHost: x\r\n\r\n")
        let r = try long.readResponse()
        XCTAssertEqual(r.status, 414)
        XCTAssertTrue(long.waitForClose())
        let headers = try server.client()
        try headers.send("GET /v2/health/live HTTP/1.1\r\nX-Big: " + String(repeating: "b", count: 100_000) + "\r\n\r\n")
        XCTAssertEqual(try headers.readResponse().status, 431)
    }
}
