import ModelRuntime
import Wire
import XCTest

/// `ProtobufCodec.withPackedResponse` (size first, then pack in place) must
/// produce exactly the bytes of `encode(_:into:)`.
final class ProtobufCodecPackedTests: XCTestCase {
    private func packed(_ response: Response, slack: Int = 0) -> (size: Int, bytes: [UInt8]) {
        var result: (Int, [UInt8]) = (-1, [])
        ProtobufCodec.withPackedResponse(response) { size, pack in
            // Bytes past `size` must stay untouched.
            var buffer = [UInt8](repeating: 0xAB, count: size + slack)
            buffer.withUnsafeMutableBytes { pack($0) }
            XCTAssertEqual(Array(buffer[size...]), [UInt8](repeating: 0xAB, count: slack))
            result = (size, Array(buffer[..<size]))
        }
        return result
    }

    private func arrayEncoded(_ response: Response) -> [UInt8] {
        var bytes: [UInt8] = []
        ProtobufCodec.encode(response, into: &bytes)
        return bytes
    }

    func testPackedPredictResponseMatchesArrayEncoding() throws {
        let response = Response.success(id: 77, .predict(PredictResponse(
            modelSpec: ModelSpec(name: "iris", version: 1),
            outputs: [
                NamedTensor("output_label", Tensor(shape: [1], int64s: [2])),
                NamedTensor("output_probability", Tensor(shape: [1, 3], floats: [0.1, 0.2, 0.7])),
                NamedTensor("output_probability:labels", Tensor(shape: [3], strings: ["a", "b", "c"])),
            ])))
        let (size, bytes) = packed(response, slack: 7)
        let expected = arrayEncoded(response)
        XCTAssertEqual(size, expected.count)
        XCTAssertEqual(bytes, expected)
        let decoded = try bytes.withUnsafeBytes { try ProtobufCodec.decodeResponse($0).get() }
        XCTAssertEqual(decoded.id, 77)
        guard case .predict(let p)? = decoded.result else { return XCTFail("no predict result") }
        XCTAssertEqual(p.outputs.map(\.name), ["output_label", "output_probability", "output_probability:labels"])
    }

    func testPackedErrorResponseMatchesArrayEncoding() {
        let response = Response.failure(id: 3, WireError(.notFound, "model 'x' not found"))
        let (size, bytes) = packed(response)
        XCTAssertGreaterThan(size, 0)
        XCTAssertEqual(bytes, arrayEncoded(response))
    }

    /// A response far larger than the arena's first (stack) block: many small
    /// pieces spill into linked malloc'd blocks, a large tensor gets a block
    /// of its own, and every value still comes back.
    func testResponseLargerThanTheArenasFirstBlockRoundTrips() throws {
        var outputs: [NamedTensor] = []
        for i in 0..<300 {
            outputs.append(NamedTensor("labels-\(i)", Tensor(shape: [2], strings: ["class \(i)", "other class \(i)"])))
        }
        let big = (0..<5_000).map { Float($0) / 7 }
        outputs.append(NamedTensor("scores", Tensor(shape: [1, 5_000], floats: big)))
        let response = Response.success(id: 9, .predict(PredictResponse(modelSpec: ModelSpec(name: "wide", version: 2),
                                                                         outputs: outputs)))
        let (size, bytes) = packed(response, slack: 3)
        XCTAssertGreaterThan(size, 4 * 4096)
        XCTAssertEqual(bytes, arrayEncoded(response))
        let decoded = try bytes.withUnsafeBytes { try ProtobufCodec.decodeResponse($0).get() }
        guard case .predict(let p)? = decoded.result else { return XCTFail("no predict result") }
        XCTAssertEqual(p.outputs.count, 301)
        for (i, output) in p.outputs.prefix(300).enumerated() {
            XCTAssertEqual(output.name, "labels-\(i)")
            guard case .string(let values) = output.tensor.storage else { return XCTFail("\(output.name) is not strings") }
            XCTAssertEqual(values, ["class \(i)", "other class \(i)"])
        }
        guard case .float(let scores) = p.outputs[300].tensor.storage else { return XCTFail("scores are not floats") }
        XCTAssertEqual(scores, big)
    }
}
