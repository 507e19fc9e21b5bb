@testable import GRPC
import Wire
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// gRPC's pieces below HTTP/2: message prefix, gzip, timeouts, status
/// encoding and method lookup, each failure naming the problem.
final class GRPCMessageTests: XCTestCase {
    private func message(_ payload: [UInt8], flag: UInt8 = 0) -> [UInt8] {
        var m = (0..<GRPCMessage.prefixLength).map { GRPCMessage.prefixByte($0, length: payload.count) } + payload
        m[0] = flag
        return m
    }

    private func unary(_ body: [UInt8], encoding: String? = nil, limit: Int = 1024) -> Result<[UInt8], GRPCStatus> {
        do throws(GRPCStatus) {
            return .success(try GRPCMessage.withUnaryMessage(body, encoding: encoding, limit: limit) { Array($0) })
        } catch {
            return .failure(error)
        }
    }

    func testThePrefixIsAZeroFlagAndABigEndianLength() {
        XCTAssertEqual((0..<5).map { GRPCMessage.prefixByte($0, length: 0x0102_0304) }, [0, 1, 2, 3, 4])
    }

    func testOneMessageIsHandedOverWithoutItsPrefix() {
        XCTAssertEqual(try unary(message([1, 2, 3])).get(), [1, 2, 3])
        XCTAssertEqual(try unary(message([])).get(), [])
    }

    func testMalformedBodiesNameTheProblem() {
        func failure(_ r: Result<[UInt8], GRPCStatus>) -> GRPCStatus? {
            if case .failure(let s) = r { return s }
            return nil
        }
        XCTAssertEqual(failure(unary([]))?.code, .invalidArgument)
        XCTAssertTrue(failure(unary([]))?.message.contains("no request message") ?? false)
        XCTAssertTrue(failure(unary([0, 0, 0]))?.message.contains("5-byte message prefix") ?? false)
        XCTAssertTrue(failure(unary([0, 0, 0, 0, 9, 1]))?.message.contains("truncated") ?? false)
        XCTAssertTrue(failure(unary(message([1]) + message([2])))?.message.contains("one request message") ?? false)
        XCTAssertTrue(failure(unary(message([1], flag: 2)))?.message.contains("flag byte is 2") ?? false)
        XCTAssertEqual(failure(unary(message([UInt8](repeating: 0, count: 2000))))?.code, .resourceExhausted)
        XCTAssertEqual(failure(unary(message([1], flag: 1)))?.code, .internal, "compressed without grpc-encoding")
        XCTAssertEqual(failure(unary(message([1]), encoding: "snappy"))?.code, .unimplemented)
    }

    func testGzipMessagesAreInflatedWithinTheLimit() throws {
        let original = Array(repeating: Array("swerve ".utf8), count: 100).flatMap { $0 }
        let compressed = try gzip(original)
        XCTAssertEqual(try unary(message(compressed, flag: 1), encoding: "gzip").get(), original)
        guard case .failure(let big) = unary(message(compressed, flag: 1), encoding: "gzip", limit: 100) else {
            return XCTFail("a message inflating past the limit is refused")
        }
        XCTAssertEqual(big.code, .resourceExhausted)
        guard case .failure(let bad) = unary(message([1, 2, 3, 4], flag: 1), encoding: "gzip") else {
            return XCTFail("bytes that are not gzip are refused")
        }
        XCTAssertEqual(bad.code, .invalidArgument)
        guard case .failure(let cut) = unary(message(Array(compressed.prefix(compressed.count / 2)), flag: 1), encoding: "gzip") else {
            return XCTFail("truncated gzip is refused")
        }
        XCTAssertEqual(cut.code, .invalidArgument)
    }

    func testTimeoutsInEveryUnit() {
        XCTAssertEqual(GRPCTimeout.milliseconds("100m"), 100)
        XCTAssertEqual(GRPCTimeout.milliseconds("2S"), 2000)
        XCTAssertEqual(GRPCTimeout.milliseconds("1M"), 60_000)
        XCTAssertEqual(GRPCTimeout.milliseconds("1H"), 3_600_000)
        XCTAssertEqual(GRPCTimeout.milliseconds("1500u"), 2, "rounded up")
        XCTAssertEqual(GRPCTimeout.milliseconds("1n"), 1, "never zero, which would mean no deadline")
        XCTAssertEqual(GRPCTimeout.milliseconds("99999999H"), UInt32.max, "capped")
        for bad in ["", "m", "12", "123456789m", "-1S", "1x", "1.5S"] {
            XCTAssertNil(GRPCTimeout.milliseconds(bad), bad)
        }
    }

    func testStatusMessagesArePercentEncoded() {
        XCTAssertEqual(String(decoding: GRPCStatus(.invalidArgument, "a 100% é\n").percentEncodedMessage, as: UTF8.self),
                       "a 100%25 %C3%A9%0A")
    }

    func testUnknownServicesAndMethodsAreUnimplementedByName() {
        let router = GRPCRouter([GRPCService(name: "a.B", methods: ["Call": { _, _, _ in }])])
        guard case .success = router.method(at: "/a.B/Call") else { return XCTFail("the method is found") }
        guard case .failure(let method) = router.method(at: "/a.B/Other"),
              case .failure(let service) = router.method(at: "/x.Y/Call"),
              case .failure(let path) = router.method(at: "nonsense") else { return XCTFail("unknown paths fail") }
        XCTAssertEqual([method.code, service.code, path.code], [.unimplemented, .unimplemented, .unimplemented])
        XCTAssertTrue(method.message.contains("method Other is not implemented by service a.B"), method.message)
        XCTAssertTrue(service.message.contains("service x.Y is not served here"), service.message)
        XCTAssertTrue(path.message.contains("not a gRPC method path"), path.message)
    }

    /// gzip through the system's gzip tool, so the test does not trust the code it checks.
    private func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("grpc-gzip-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("m")
        try Data(bytes).write(to: file)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-n", file.path]
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        return Array(try Data(contentsOf: dir.appendingPathComponent("m.gz")))
    }
}
