import Foundation
import Redis
import SwerveTestSupport
import XCTest

/// Two real `swerve serve` processes sharing a real redis-server as the
/// prediction cache's second level.
final class PredictionCacheRedisProcessTests: XCTestCase {
    private func body(_ i: Int) -> String {
        let row = [4.3 + Double(i % 30) * 0.1, 2.0 + Double(i % 7) * 0.2, 1.0 + Double(i % 11) * 0.5, 0.1 + Double(i % 5) * 0.5]
        return #"{"instances": [["# + row.map { String(format: "%.1f", $0) }.joined(separator: ", ") + "]]}"
    }

    private func predict(_ client: RawHTTPClient, _ i: Int, noCache: Bool = false,
                         file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let r = try client.call("POST", "/v1/models/iris:predict", body: body(i),
                                headers: noCache ? ["Cache-Control": "no-cache"] : [:])
        XCTAssertEqual(r.status, 200, r.text, file: file, line: line)
        return r.text
    }

    private func metric(_ client: RawHTTPClient, _ series: String) throws -> Int? {
        let page = try client.call("GET", "/metrics").text
        for line in page.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Int(line.split(separator: " ").last!)
        }
        return nil
    }

    func testAPredictionOfOneServerIsAHitOnTheOtherAndRedisDyingChangesNoAnswer() throws {
        let redis = try RedisServerProcess()
        let arguments = ["--cache-default", "{}", "--cache-redis", redis.url, "--cache-redis-ttl-seconds", "120"]
        let a = try SwerveProcess(models: TestPaths.models, arguments: arguments)
        let b = try SwerveProcess(models: TestPaths.models, arguments: arguments)
        let clientA = try RawHTTPClient(port: try XCTUnwrap(a.restPort))
        let clientB = try RawHTTPClient(port: try XCTUnwrap(b.restPort))
        let hitsB = #"swerve_cache_hits_total{model="iris",version="1"}"#

        // Answers from the model itself (no-cache), which also fill A's cache and Redis.
        let expected = try (0..<40).map { try predict(clientA, $0, noCache: true) }
        XCTAssertNil(try metric(clientA, #"swerve_cache_hits_total{model="iris",version="1"}"#), "no-cache never reads the cache")

        // Every shared entry has an expiry.
        let connection = RedisConnection(address: RedisAddress(host: "127.0.0.1", port: redis.port),
                                         connectTimeout: .seconds(2), commandTimeout: .seconds(2))
        let keys = try XCTUnwrap(try connection.command(["KEYS", "swerve:cache:*"]).array)
        XCTAssertEqual(keys.count, 40)
        for key in keys {
            let ttl = try XCTUnwrap(try connection.command(["TTL", .bytes(try XCTUnwrap(key.bytes))]).integer)
            XCTAssertTrue((1...120).contains(ttl), "TTL \(ttl)")
        }
        connection.close()

        // B never ran these inputs: its answers come from Redis, and equal A's.
        for i in 0..<5 { XCTAssertEqual(try predict(clientB, i), expected[i]) }
        XCTAssertEqual(try metric(clientB, hitsB), 5)
        // Now in B's own cache too.
        XCTAssertEqual(try predict(clientB, 0), expected[0])
        XCTAssertEqual(try metric(clientB, hitsB), 6)

        // Redis dies mid-run: every call still answers, and correctly.
        for i in 5..<40 {
            if i == 15 { redis.kill() }
            XCTAssertEqual(try predict(clientB, i), expected[i], "call \(i)")
            XCTAssertEqual(try predict(clientA, i), expected[i], "call \(i)")
        }
        XCTAssertEqual(try metric(clientB, hitsB), 16, "5..<15 came from Redis, the rest from the model")
        let warnings = b.standardError.components(separatedBy: "prediction cache: Redis at").count - 1
        XCTAssertEqual(warnings, 1, "one rate-limited warning, not one per call:\n\(b.standardError)")
    }

    func testBadCacheOptionsAreRefusedByName() throws {
        for (arguments, message) in [
            (["--cache-default", #"{"max_bytes": "big"}"#], #"--cache-default: "cache".max_bytes must be an integer"#),
            (["--cache-default", "{"], "--cache-default: not valid JSON"),
            (["--cache-redis", "localhost:6379"], "--cache-redis:"),
            (["--cache-redis-ttl-seconds", "0"], "--cache-redis-ttl-seconds must be at least 1"),
        ] {
            let result = try runCommand(TestPaths.swerveBinary, ["serve", "--models", TestPaths.models.path] + arguments)
            XCTAssertNotEqual(result.status, 0, "\(arguments)")
            XCTAssertTrue(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
    }
}
