import SwerveTestSupport
import REST
import Wire
import XCTest

/// Triton's binary tensor data extension on `/v2/models/{m}/infer`, and
/// bodies that abuse it: each must be a 400 naming the problem.
final class RESTBinaryTensorTests: FakeRESTServerTestCase {
    static func floats(_ values: [Float]) -> [UInt8] {
        values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
    }

    /// The JSON header, then `binary`, with Inference-Header-Content-Length.
    func infer(_ json: String, _ binary: [UInt8], headerLength: String? = nil, model: String = "iris") throws -> RawHTTPClient.Response {
        let header = Array(json.utf8)
        return try client.call("POST", "/v2/models/\(model)/infer", bytes: header + binary, headers: [
            "Content-Type": "application/octet-stream",
            "Inference-Header-Content-Length": headerLength ?? String(header.count)])
    }

    static let irisRow = floats([5.1, 3.5, 1.4, 0.2])

    func testBinaryInputsAndOutputsRoundTrip() throws {
        let r = try infer(#"{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","parameters":{"binary_data_size":16}}],"parameters":{"binary_data_output":true}}"#,
                          Self.irisRow)
        XCTAssertEqual(r.status, 200, r.text)
        guard let length = r.headers["inference-header-content-length"].flatMap(Int.init) else { return XCTFail("no Inference-Header-Content-Length: \(r.headers)") }
        let json = String(decoding: r.body[..<length], as: UTF8.self)
        XCTAssertEqual(json, #"{"model_name":"iris","model_version":"1","outputs":[{"name":"label","datatype":"INT64","shape":[1],"parameters":{"binary_data_size":8}},{"name":"probabilities","datatype":"FP32","shape":[1,3],"parameters":{"binary_data_size":12}},{"name":"probabilities:labels","datatype":"INT64","shape":[3],"parameters":{"binary_data_size":24}}]}"#)
        XCTAssertEqual(r.body.count, length + 8 + 12 + 24)
        let tail = Array(r.body[length...])
        XCTAssertEqual(Array(tail[0..<8]), [0, 0, 0, 0, 0, 0, 0, 0], "label 0 as a little-endian INT64")
        XCTAssertEqual(Array(tail[8..<20]), Self.floats([0.75, 0.125, 0.125]))
        guard case .predict(let p)? = server.handler.requests.last?.call, case .float(let values) = p.inputs[0].tensor.storage else {
            return XCTFail("no float predict")
        }
        XCTAssertEqual(values, [5.1, 3.5, 1.4, 0.2])
        XCTAssertEqual(p.inputs[0].tensor.shape, [1, 4])
    }

    func testOnlyOutputsAskedForAsBinaryAreBinary() throws {
        let r = try infer(#"{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","parameters":{"binary_data_size":16}}],"outputs":[{"name":"label","parameters":{"binary_data":false}},{"name":"probabilities","parameters":{"binary_data":true}}]}"#,
                          Self.irisRow)
        XCTAssertEqual(r.status, 200, r.text)
        let length = Int(r.headers["inference-header-content-length"] ?? "") ?? -1
        XCTAssertEqual(String(decoding: r.body[..<length], as: UTF8.self),
                       #"{"model_name":"iris","model_version":"1","outputs":[{"name":"label","datatype":"INT64","shape":[1],"data":[0]},{"name":"probabilities","datatype":"FP32","shape":[1,3],"parameters":{"binary_data_size":12}}]}"#)
        XCTAssertEqual(Array(r.body[length...]), Self.floats([0.75, 0.125, 0.125]))
    }

    func testJSONOnlyAnswerHasNoBinaryHeader() throws {
        let r = try infer(#"{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","parameters":{"binary_data_size":16}}],"outputs":[{"name":"label"}]}"#,
                          Self.irisRow)
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertNil(r.headers["inference-header-content-length"])
        XCTAssertEqual(r.headers["content-type"], "application/json")
        XCTAssertEqual(r.text, #"{"model_name":"iris","model_version":"1","outputs":[{"name":"label","datatype":"INT64","shape":[1],"data":[0]}]}"#)
    }

    func testBytesInputsCarryLengthPrefixes() throws {
        var binary: [UInt8] = []
        for s in ["mid", "", "héllo"] {
            withUnsafeBytes(of: UInt32(s.utf8.count).littleEndian) { binary += $0 }
            binary += Array(s.utf8)
        }
        // The fake model refuses strings: the decoded request is what counts.
        _ = try infer(#"{"inputs":[{"name":"input","shape":[3],"datatype":"BYTES","parameters":{"binary_data_size":\#(binary.count)}}]}"#, binary)
        guard case .predict(let p)? = server.handler.requests.last?.call, case .string(let values) = p.inputs[0].tensor.storage else {
            return XCTFail("no string predict")
        }
        XCTAssertEqual(values, ["mid", "", "héllo"])
    }

    func testHeaderLongerThanTheBodyIs400() throws {
        let r = try infer(#"{"inputs":[]}"#, [], headerLength: "500")
        XCTAssertEqual(r.status, 400)
        XCTAssertTrue(r.text.contains("Inference-Header-Content-Length is 500 but the body has only 13 bytes"), r.text)
    }

    func testHeaderThatIsNotACountIs400() throws {
        for value in ["-1", "abc", "99999999999999999999999"] {
            let r = try infer(#"{"inputs":[]}"#, [], headerLength: value)
            XCTAssertEqual(r.status, 400, value)
            XCTAssertTrue(r.text.contains("is not a non-negative integer"), r.text)
        }
    }

    func testBinarySizeNotMatchingTheShapeIs400() throws {
        let r = try infer(#"{"inputs":[{"name":"input","shape":[2,4],"datatype":"FP32","parameters":{"binary_data_size":16}}]}"#, Self.irisRow)
        XCTAssertEqual(r.status, 400)
        XCTAssertTrue(r.text.contains("binary_data_size 16 does not match shape [2, 4] of FP32 (32 bytes)"), r.text)
    }

    func testNegativeAndHugeSizesAre400() throws {
        let negative = try infer(#"{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","parameters":{"binary_data_size":-16}}]}"#, Self.irisRow)
        XCTAssertEqual(negative.status, 400)
        XCTAssertTrue(negative.text.contains("binary_data_size -16 is not a byte count"), negative.text)
        let huge = try infer(#"{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","parameters":{"binary_data_size":1e300}}]}"#, Self.irisRow)
        XCTAssertEqual(huge.status, 400)
        XCTAssertTrue(huge.text.contains("binary_data_size 1e300 is not a byte count"), huge.text)
        let beyond = try infer(#"{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","parameters":{"binary_data_size":2000000000}}]}"#, Self.irisRow)
        XCTAssertEqual(beyond.status, 400)
        XCTAssertTrue(beyond.text.contains("binary_data_size 2000000000 exceeds the 16 bytes of binary data"), beyond.text)
        let hugeShape = try infer(#"{"inputs":[{"name":"input","shape":[2000000000,2000000000],"datatype":"FP32","parameters":{"binary_data_size":16}}]}"#, Self.irisRow)
        XCTAssertEqual(hugeShape.status, 400)
        XCTAssertTrue(hugeShape.text.contains("is too large"), hugeShape.text)
    }

    func testBytesWithBadPrefixesAre400() throws {
        var truncated: [UInt8] = []
        withUnsafeBytes(of: UInt32(100).littleEndian) { truncated += $0 }
        truncated += Array("abc".utf8)
        let long = try infer(#"{"inputs":[{"name":"input","shape":[1],"datatype":"BYTES","parameters":{"binary_data_size":7}}]}"#, truncated)
        XCTAssertEqual(long.status, 400)
        XCTAssertTrue(long.text.contains("BYTES element 0 is 100 bytes but only 3 remain"), long.text)
        let tooFew = try infer(#"{"inputs":[{"name":"input","shape":[2],"datatype":"BYTES","parameters":{"binary_data_size":2}}]}"#, [1, 0])
        XCTAssertEqual(tooFew.status, 400)
        XCTAssertTrue(tooFew.text.contains("truncated 4-byte length prefix"), tooFew.text)
    }

    func testBytesLeftOverOrMissingHeaderAre400() throws {
        let extra = try infer(#"{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","parameters":{"binary_data_size":16}}]}"#, Self.irisRow + [1, 2])
        XCTAssertEqual(extra.status, 400)
        XCTAssertTrue(extra.text.contains("the body has 18 bytes after the JSON header but the inputs' binary_data_size add up to 16"), extra.text)
        let noHeader = try client.call("POST", "/v2/models/iris/infer",
                                       body: #"{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","parameters":{"binary_data_size":16}}]}"#)
        XCTAssertEqual(noHeader.status, 400)
        XCTAssertTrue(noHeader.text.contains("has a binary_data_size but the request has no Inference-Header-Content-Length"), noHeader.text)
        let both = try infer(#"{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[1,2,3,4],"parameters":{"binary_data_size":16}}]}"#, Self.irisRow)
        XCTAssertEqual(both.status, 400)
        XCTAssertTrue(both.text.contains("has both 'data' and a binary_data_size"), both.text)
        let notJSON = try infer("{\"inputs\":", Self.irisRow)
        XCTAssertEqual(notJSON.status, 400)
        XCTAssertTrue(notJSON.text.contains("malformed JSON"), notJSON.text)
    }

    func testServerStillAnswersAfterAbuse() throws {
        _ = try infer(#"{"inputs":[]}"#, [], headerLength: "500")
        let r = try client.call("POST", "/v2/models/iris/infer", body: #"{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","data":[5.1,3.5,1.4,0.2]}]}"#)
        XCTAssertEqual(r.status, 200, r.text)
    }
}
