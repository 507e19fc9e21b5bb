import Auth
import XCTest

final class BearerTokenTests: XCTestCase {
    func testParsesTheBearerSchemeOnly() {
        XCTAssertEqual(BearerToken.parse("Bearer abc"), "abc")
        XCTAssertEqual(BearerToken.parse("  bearer   abc \t"), "abc")
        XCTAssertEqual(BearerToken.parse("BEARER abc"), "abc")
        XCTAssertEqual(BearerToken.parse("Basic YWJjOg=="), "")
        XCTAssertEqual(BearerToken.parse("Bearer"), "")
        XCTAssertEqual(BearerToken.parse(""), "")
    }

    func testFindsTheHeaderInARequestHead() {
        let head = Array("GET /metrics HTTP/1.1\r\nHost: x\r\nAUTHORIZATION: Bearer t-1\r\n\r\n".utf8)
        XCTAssertEqual(BearerToken.fromRequestHead(head), "t-1")
        XCTAssertNil(BearerToken.fromRequestHead(Array("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".utf8)))
        // The request line is not a header, whatever it holds.
        XCTAssertNil(BearerToken.fromRequestHead(Array("GET /authorization:x HTTP/1.1\n\n".utf8)))
    }
}
