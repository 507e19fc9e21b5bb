@testable import Jobs
import Redis
import Wire
import XCTest

/// Replies as hiredis's reader hands them to the Redis driver, including
/// hostile headers the fuzz target found (Tests/Fuzz/regressions/redis/).
final class RedisReplyDecodingTests: XCTestCase {
    private func decode(_ text: String) throws(RedisError) -> [RedisReply] {
        var replies: [RedisReply] = []
        let bytes = Array(text.utf8)
        var failure: RedisError?
        bytes.withUnsafeBytes { raw in
            do throws(RedisError) {
                try RedisReply.decodeAll(wire: raw) { replies.append($0) }
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        return replies
    }

    func testEveryReplyKindDecodes() throws {
        let replies = try decode("+OK\r\n-ERR nope\r\n:42\r\n$3\r\nabc\r\n$-1\r\n*2\r\n:1\r\n$1\r\nx\r\n")
        XCTAssertEqual(replies.count, 6)
        XCTAssertEqual(replies[0].text, "OK")
        XCTAssertEqual(replies[1].errorMessage, "ERR nope")
        XCTAssertEqual(replies[2].integer, 42)
        XCTAssertEqual(replies[3].bytes, Array("abc".utf8))
        XCTAssertTrue(replies[4].isNull)
        XCTAssertEqual(replies[5].array?.count, 2)
    }

    func testAHugeArrayHeaderIsRefusedBeforeAnythingIsAllocated() {
        // Read as is, "*80000000" makes hiredis 0.14 allocate 640 MB at once.
        for header in ["*80000000\r\n", "*1048577\r\n"] {
            XCTAssertThrowsError(try decode(header), header) { error in
                XCTAssertTrue("\(error)".contains("arrays over 1048576 elements are refused"), "\(error)")
            }
        }
        // Past int's range hiredis refuses the count itself.
        XCTAssertThrowsError(try decode("*4294967295\r\n")) { error in
            XCTAssertTrue("\(error)".contains("Multi-bulk length out of range"), "\(error)")
        }
    }

    func testMalformedBytesAreAProtocolError() {
        XCTAssertThrowsError(try decode("?what\r\n")) { error in
            guard case RedisError.protocolViolation = error else { return XCTFail("\(error)") }
        }
    }

    func testAJobRecordWithNumbersBeyondInt32IsNotFoundOrAnUnknownCodeNotATrap() {
        // Found by the redis fuzz target (regressions/redis/err-code-beyond-int32).
        let address = RedisAddress(host: "127.0.0.1")
        func text(_ s: String) -> RedisReply { .string(Array(s.utf8)) }
        let hugeState = RedisReply.array([text("4294967299")] + Array(repeating: .null, count: 7))
        guard case .failure(let missing) = RedisJobQueue.jobResponse(hugeState, jobID: "j", resultTTL: .seconds(60), address: address) else {
            return XCTFail("a state beyond int32 read as a job")
        }
        XCTAssertEqual(missing.code, .notFound)
        let hugeCode = RedisReply.array([text("4"), .null, .null, .null, text("1"), .null, text("99999999999"), text("boom")])
        guard case .success(let failed) = RedisJobQueue.jobResponse(hugeCode, jobID: "j", resultTTL: .seconds(60), address: address) else {
            return XCTFail("a failed job with an unknown code did not read")
        }
        XCTAssertEqual(failed.state, .failed)
        XCTAssertEqual(failed.error?.code, .unknown)
        XCTAssertEqual(failed.error?.message, "boom")
    }
}
