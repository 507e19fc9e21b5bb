import SwerveTestSupport
import ModelRuntime
import Wire
import XCTest

final class ProtobufCodecMalformedTests: XCTestCase {
    private func validPredictBytes() -> [UInt8] {
        var bytes: [UInt8] = []
        ProtobufCodec.encode(Request(id: 99, call: .predict(PredictRequest(
            modelSpec: ModelSpec(name: "iris", version: 1, versionLabel: "stable"),
            inputs: [NamedTensor("float_input", Tensor(shape: [2, 4], floats: [1, 2, 3, 4, 5, 6, 7, 8])),
                     NamedTensor("names", Tensor(shape: [2], strings: ["a", "b"]))],
            outputFilter: ["output_label"]))), into: &bytes)
        return bytes
    }

    func testRequestWithoutCallIsInvalidArgument() {
        var w = ProtoWriter()
        w.int(Field.Request.id, 3)
        guard let error = decodeError(w.bytes) else { return }
        XCTAssertEqual(error.code, .invalidArgument)
        XCTAssertTrue(error.message.contains("no call"), error.message)
        XCTAssertEqual(decodeError([])?.code, .invalidArgument, "an empty payload sets no call")
    }

    func testUnknownCallFieldIsUnimplementedNamingTheField() {
        var w = ProtoWriter()
        w.int(Field.Request.id, 3)
        w.message(15) { $0.string(1, "a call from the future") }
        guard let error = decodeError(w.bytes) else { return }
        XCTAssertEqual(error.code, .unimplemented)
        XCTAssertTrue(error.message.contains("unknown call field 15"), error.message)
    }

    func testUnknownScalarFieldAlongsideAKnownCallIsIgnored() throws {
        var w = ProtoWriter()
        w.int(Field.Request.id, 3)
        w.int(30, 12345)
        w.message(Field.Request.health) { _ in }
        let request = try ProtobufCodec.decodeRequest(w.bytes).get()
        XCTAssertEqual(request.id, 3)
        XCTAssertEqual(request.call.name, "health")
    }

    func testIdIsReportedWhenTheEnvelopeParsesButItsContentIsRejected() {
        var w = ProtoWriter()
        w.int(Field.Request.id, 1234)
        w.message(15) { _ in }
        var id: UInt64 = 99
        let result = w.bytes.withUnsafeBytes { ProtobufCodec.decodeRequest($0, id: &id) }
        guard case .failure(let e) = result else { return XCTFail("decoded an unknown call") }
        XCTAssertEqual(e.code, .unimplemented)
        XCTAssertEqual(id, 1234)

        let garbage: [UInt8] = [0x08, 0x05, 0xFF]
        _ = garbage.withUnsafeBytes { ProtobufCodec.decodeRequest($0, id: &id) }
        XCTAssertEqual(id, 0, "no id from bytes that are not a Request")
    }

    func testSubmitWithoutPredictRequestIsInvalidArgument() {
        var w = ProtoWriter()
        w.message(Field.Request.submit) { $0.string(2, "key") }
        guard let error = decodeError(w.bytes) else { return }
        XCTAssertEqual(error.code, .invalidArgument)
        XCTAssertTrue(error.message.contains("submit.request"), error.message)
    }

    func testWrongWireTypeForAKnownFieldIsMalformed() {
        // Field 2 (predict) as a varint instead of a message.
        var w = ProtoWriter()
        w.int(Field.Request.predict, 1)
        guard let error = decodeError(w.bytes) else { return }
        XCTAssertEqual(error.code, .invalidArgument)
        XCTAssertTrue(error.message.contains("malformed"), error.message)
    }

    func testEveryTruncationOfAValidRequestFailsCleanlyOrDecodes() {
        let bytes = validPredictBytes()
        var failures = 0
        for length in 0..<bytes.count {
            switch ProtobufCodec.decodeRequest(Array(bytes.prefix(length))) {
            case .success: break  // a prefix can end exactly on a field boundary
            case .failure(let e):
                failures += 1
                XCTAssertFalse(e.message.isEmpty)
                XCTAssertNotEqual(e.code, .ok)
            }
        }
        XCTAssertGreaterThan(failures, bytes.count / 2, "most truncations must be rejected")
        XCTAssertNoThrow(try ProtobufCodec.decodeRequest(bytes).get())
    }

    func testRandomGarbageNeverCrashes() {
        var rng = SplitMix64(state: 0x5EED)
        for _ in 0..<3000 {
            let length = Int.random(in: 0...96, using: &rng)
            let garbage = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            _ = ProtobufCodec.decodeRequest(garbage)
            _ = ProtobufCodec.decodeResponse(garbage)
        }
    }

    func testBitFlipsOfAValidRequestNeverCrash() {
        let bytes = validPredictBytes()
        var rng = SplitMix64(state: 42)
        for _ in 0..<3000 {
            var mutated = bytes
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                mutated[Int.random(in: 0..<mutated.count, using: &rng)] ^= UInt8(1) << UInt8.random(in: 0...7, using: &rng)
            }
            if case .failure(let e) = ProtobufCodec.decodeRequest(mutated) {
                XCTAssertFalse(e.message.isEmpty)
            }
        }
    }

    func testMalformedResponseIsAnError() {
        guard case .failure(let e) = ProtobufCodec.decodeResponse([0x12, 0x05, 0x08]) else {
            return XCTFail("a truncated response decoded")
        }
        XCTAssertEqual(e.code, .invalidArgument)
        XCTAssertTrue(e.message.contains("malformed Response"), e.message)
    }
}
