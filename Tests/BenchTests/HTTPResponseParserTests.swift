@testable import SwerveBenchCore
import XCTest

/// The load generator's HTTP/1.1 response framing, fed in every possible split.
final class HTTPResponseParserTests: XCTestCase {
    private func statuses(_ text: String, splitAt splits: [Int] = []) throws -> [Int] {
        var parser = HTTPResponseParser()
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

    func testMalformedInputIsAnError() {
        XCTAssertThrowsError(try statuses("SSH-2.0-OpenSSH\r\n\r\n")) { error in
            XCTAssertEqual(error as? HTTPResponseParser.ParseError, .malformedStatusLine("SSH-2.0-OpenSSH"))
        }
        XCTAssertThrowsError(try statuses("HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n")) { error in
            XCTAssertEqual(error as? HTTPResponseParser.ParseError, .malformedContentLength("12x"))
        }
        XCTAssertThrowsError(try statuses("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")) { error in
            XCTAssertEqual(error as? HTTPResponseParser.ParseError, .malformedChunkSize("zz"))
        }
    }

    func testConnectionEndingInsideAResponseIsTruncated() {
        XCTAssertThrowsError(try statuses("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")) { error in
            XCTAssertEqual(error as? HTTPResponseParser.ParseError, .truncated)
        }
    }

    func testOverlongLinesAreRefused() {
        var parser = HTTPResponseParser(maxLineLength: 64)
        let line = Array(("HTTP/1.1 200 OK\r\nX-Long: " + String(repeating: "a", count: 100)).utf8)
        XCTAssertThrowsError(try line.withUnsafeBytes { try parser.feed($0) { _ in } }) { error in
            XCTAssertEqual(error as? HTTPResponseParser.ParseError, .lineTooLong(limit: 64))
        }
    }
}
