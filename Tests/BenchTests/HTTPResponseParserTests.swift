import REST
import XCTest

/// The HTTP/1.1 response framing the load generator and the tests share,
/// fed in every possible split.
final class HTTPResponseParserTests: XCTestCase {
    private func statuses(_ text: String, splitAt splits: [Int] = []) throws -> [Int] {
        let parser = HTTPResponseParser()
        var seen: [Int] = []
        let bytes = Array(text.utf8)
        var start = 0
        for end in splits + [bytes.count] where end >= start {
            try bytes[start..<end].withUnsafeBytes { chunk in
                try parser.feed(chunk) { seen.append($0) }
            }
            start = end
        }
        try parser.finish { seen.append($0) }
        return seen
    }

    private let pipelined = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: application/json\r\n\r\n{\"a\"}"
        + "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n"
        + "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nabcd\r\n2\r\nef\r\n0\r\nX-Trailer: y\r\n\r\n"
        + "HTTP/1.1 204 No Content\r\n\r\n"
        + "HTTP/1.0 503 Service Unavailable\r\nContent-Length: 3\r\n\r\nbad"

    func testPipelinedResponsesInOneRead() throws {
        XCTAssertEqual(try statuses(pipelined), [200, 404, 200, 204, 503])
    }

    func testEverySplitPointGivesTheSameResponses() throws {
        let count = pipelined.utf8.count
        for split in 0...count {
            XCTAssertEqual(try statuses(pipelined, splitAt: [split]), [200, 404, 200, 204, 503], "split at \(split)")
        }
        // Byte by byte.
        XCTAssertEqual(try statuses(pipelined, splitAt: Array(1..<count)), [200, 404, 200, 204, 503])
    }

    func testInterimResponsesAreNotCounted() throws {
        XCTAssertEqual(try statuses("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"), [201])
    }

    func testBodyUntilCloseCompletesAtFinish() throws {
        XCTAssertEqual(try statuses("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nhello"), [200])
    }

    private func assertError(_ text: String, _ name: String, line: UInt = #line) {
        XCTAssertThrowsError(try statuses(text), line: line) { error in
            XCTAssertEqual((error as? HTTPResponseParser.ParseError)?.name, name, "\(error)", line: line)
        }
    }

    func testMalformedInputIsAnError() {
        assertError("SSH-2.0-OpenSSH\r\n\r\n", "HPE_INVALID_CONSTANT")
        assertError("HTTP/1.1 2x0 OK\r\n\r\n", "HPE_INVALID_STATUS")
        assertError("HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n", "HPE_INVALID_CONTENT_LENGTH")
        assertError("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "HPE_INVALID_CHUNK_SIZE")
    }

    func testConnectionEndingInsideAResponseIsTruncated() {
        assertError("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", "HPE_INVALID_EOF_STATE")
        assertError("HTTP/1.1 200 OK\r\nContent-Le", "HPE_INVALID_EOF_STATE")
    }

    func testOverlongHeadersAreRefused() {
        assertError("HTTP/1.1 200 OK\r\nX-Long: " + String(repeating: "a", count: 100_000) + "\r\n\r\n", "HPE_HEADER_OVERFLOW")
    }

    func testKeptMessagesCarryHeadersAndBodies() throws {
        let parser = HTTPResponseParser(keepsMessages: true)
        try Array(pipelined.utf8).withUnsafeBytes { try parser.feed($0) }
        try parser.finish()
        let first = try XCTUnwrap(parser.nextMessage())
        XCTAssertEqual(first.status, 200)
        XCTAssertEqual(first.headers["content-type"], "application/json")
        XCTAssertEqual(first.text, "{\"a\"}")
        XCTAssertEqual(parser.nextMessage()?.status, 404)
        let chunked = try XCTUnwrap(parser.nextMessage())
        XCTAssertEqual(chunked.text, "abcdef", "chunks joined, sizes and trailers dropped")
        XCTAssertEqual(parser.nextMessage()?.status, 204)
        XCTAssertEqual(parser.nextMessage()?.text, "bad")
        XCTAssertNil(parser.nextMessage())
    }
}
