import Streaming
import XCTest

final class BrokerURLTests: XCTestCase {
    func testFullURL() throws {
        let url = try BrokerURL("amqp://user:p%40ss@broker.local:5673/prod")
        XCTAssertEqual(url.host, "broker.local")
        XCTAssertEqual(url.port, 5673)
        XCTAssertEqual(url.user, "user")
        XCTAssertEqual(url.password, "p@ss")
        XCTAssertEqual(url.virtualHost, "prod")
        XCTAssertFalse(url.description.contains("p@ss"), "the password stays out of logs")
    }

    func testEmptyPathAndBareSlashAreTheDefaultVhostAsPikaReadsThem() throws {
        XCTAssertEqual(try BrokerURL("amqp://h").virtualHost, "/")
        XCTAssertEqual(try BrokerURL("amqp://h/").virtualHost, "/")
        XCTAssertEqual(try BrokerURL("amqp://h/%2F").virtualHost, "/")
        let defaults = try BrokerURL("amqp://h")
        XCTAssertEqual(defaults.port, 5672)
        XCTAssertEqual(defaults.user, "guest")
        XCTAssertEqual(defaults.password, "guest")
    }

    func testBadURLsNameTheProblem() {
        func message(_ text: String) -> String {
            do { _ = try BrokerURL(text); return "accepted" } catch { return error.description }
        }
        XCTAssertTrue(message("http://h").contains("must start with amqp://"))
        XCTAssertTrue(message("amqp://h:99999/").contains("port '99999' is not in 1...65535"))
        XCTAssertTrue(message("amqp://h:x/").contains("port 'x'"))
        XCTAssertTrue(message("amqp:///vh").contains("has no host"))
        XCTAssertTrue(message("amqp://h/%zz").contains("two hex digits"))
    }
}
