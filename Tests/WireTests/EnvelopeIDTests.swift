import ModelRuntime
@testable import Wire
import XCTest

/// The envelope id read and written in encoded bytes (moved here from the
/// REST upstream, the aggregator and the bench, which each had their own).
final class EnvelopeIDTests: XCTestCase {
    func testResponseIDIsReadWithoutDecodingTheMessage() {
        for id: UInt64 in [0, 1, 300, 300_000_000_001, UInt64.max] {
            var bytes: [UInt8] = []
            ProtobufCodec.encode(Response(id: id, status: Status(.notFound, "x")), into: &bytes)
            XCTAssertEqual(bytes.withUnsafeBytes { EnvelopeID.peek($0) }, id)
        }
        var health: [UInt8] = []
        ProtobufCodec.encode(Response.success(id: 300_000_000_001, .health(HealthResponse(serving: true, version: "x", modelsAvailable: 1, modelsTotal: 1))), into: &health)
        XCTAssertEqual(health.withUnsafeBytes { EnvelopeID.peek($0) }, 300_000_000_001)
    }

    func testMalformedBytesGiveNoID() {
        XCTAssertNil([UInt8]([0x08, 0xFF]).withUnsafeBytes { EnvelopeID.peek($0) }, "truncated varint")
        XCTAssertNil([UInt8]([0x12, 0x05, 0x08]).withUnsafeBytes { EnvelopeID.peek($0) }, "length past the end")
        XCTAssertNil([UInt8]([0x0F]).withUnsafeBytes { EnvelopeID.peek($0) }, "wire type 7 does not exist")
        XCTAssertEqual([UInt8]([0x12, 0x00]).withUnsafeBytes { EnvelopeID.peek($0) }, 0, "no id field: proto3's zero")
    }

    func testIDAndStatusCodeOfAResponse() {
        var bytes: [UInt8] = []
        ProtobufCodec.encode(Response(id: 42, status: Status(.resourceExhausted, "busy")), into: &bytes)
        let scanned = bytes.withUnsafeBytes { EnvelopeID.peekIDAndStatusCode($0) }
        XCTAssertEqual(scanned?.id, 42)
        XCTAssertEqual(scanned?.code, StatusCode.resourceExhausted.rawValue)
    }

    func testAppendedIDIsTheDecodedRequestsID() throws {
        var template: [UInt8] = []
        ProtobufCodec.encode(Request(id: 0, call: .health(HealthRequest())), into: &template)
        for id: UInt64 in [1, 127, 128, 1 << 40, UInt64.max] {
            let stamped = EnvelopeID.appending(id: id, to: template)
            var decodedID: UInt64 = 0
            _ = stamped.withUnsafeBytes { ProtobufCodec.decodeRequest($0, id: &decodedID) }
            XCTAssertEqual(decodedID, id)
            XCTAssertEqual(stamped.withUnsafeBytes { EnvelopeID.peek($0) }, id)
        }
    }
}
