import SwerveTestSupport
import ModelRuntime
import Wire
import XCTest

final class ProtobufCodecTensorTests: XCTestCase {
    /// One tensor of every element type, including awkward values.
    private let samples: [NamedTensor] = [
        NamedTensor("f", Tensor(shape: [2, 3], floats: [1.5, -0.0, .infinity, .nan, .leastNonzeroMagnitude, 3e38])),
        NamedTensor("d", Tensor(shape: [3], doubles: [Double.pi, -1e300, .nan])),
        NamedTensor("i32", Tensor(shape: [2, 2], int32s: [Int32.min, -1, 0, Int32.max])),
        NamedTensor("i64", Tensor(shape: [4], int64s: [Int64.min, -1, 0, Int64.max])),
        NamedTensor("b", Tensor(shape: [3], bools: [true, false, true])),
        NamedTensor("s", Tensor(shape: [2, 2], strings: ["", "setosa", "ünïcödé ✓", "with\u{0}nul"])),
        NamedTensor("scalar", Tensor(shape: [], floats: [7])),
        NamedTensor("empty", Tensor(shape: [0, 4], floats: [])),
    ]

    private func roundTripInputs(_ inputs: [NamedTensor], encoding: TensorEncoding) throws -> PredictRequest {
        let request = Request(id: 1, call: .predict(PredictRequest(modelSpec: ModelSpec(name: "m"), inputs: inputs,
                                                                    tensorEncoding: encoding)))
        guard case .predict(let p) = try roundTrip(request).call else {
            XCTFail("not a predict")
            throw WireError(.internal, "not a predict")
        }
        return p
    }

    func testEveryElementTypeRoundTripsTyped() throws {
        let p = try roundTripInputs(samples, encoding: .typed)
        assertNamedTensorsEqual(p.inputs, samples)
        XCTAssertEqual(p.tensorEncoding, .typed)
    }

    func testEveryElementTypeRoundTripsRawAndIsReportedRaw() throws {
        let p = try roundTripInputs(samples, encoding: .raw)
        assertNamedTensorsEqual(p.inputs, samples)
        XCTAssertEqual(p.tensorEncoding, .raw)
    }

    func testOutputsRoundTripRaw() throws {
        let response = Response.success(id: 1, .predict(PredictResponse(
            modelSpec: ModelSpec(name: "m", version: 1), outputs: samples, tensorEncoding: .raw)))
        guard case .predict(let p)? = try roundTrip(response).result else { return XCTFail("no predict") }
        assertNamedTensorsEqual(p.outputs, samples)
        XCTAssertEqual(p.tensorEncoding, .raw)
    }

    func testRawIsLittleEndianOnTheWire() throws {
        let bytes = predictRequestBytes { t in
            t.int(Field.Tensor.dtype, 3)  // DT_INT32
            t.packedInts(Field.Tensor.shape, [2])
            t.data(Field.Tensor.raw, [0x01, 0x00, 0x00, 0x00, 0xFE, 0xFF, 0xFF, 0xFF])
        }
        guard case .predict(let p) = try ProtobufCodec.decodeRequest(bytes).get().call else { return XCTFail("wrong call") }
        assertTensorsEqual(p.input(named: "x"), Tensor(shape: [2], int32s: [1, -2]))
    }

    func testRawFloatsFromHandWrittenBytes() throws {
        var raw: [UInt8] = []
        for v: Float in [1.25, -2.5, 1e-3] { withUnsafeBytes(of: v.bitPattern.littleEndian) { raw.append(contentsOf: $0) } }
        let bytes = predictRequestBytes { t in
            t.int(Field.Tensor.dtype, 1)
            t.packedInts(Field.Tensor.shape, [1, 3])
            t.data(Field.Tensor.raw, raw)
        }
        guard case .predict(let p) = try ProtobufCodec.decodeRequest(bytes).get().call else { return XCTFail("wrong call") }
        assertTensorsEqual(p.input(named: "x"), Tensor(shape: [1, 3], floats: [1.25, -2.5, 1e-3]))
        XCTAssertEqual(p.tensorEncoding, .raw)
    }

    // MARK: Errors, each naming the tensor

    private func assertInvalid(_ bytes: [UInt8], contains fragments: [String],
                               file: StaticString = #filePath, line: UInt = #line) {
        guard let error = decodeError(bytes, file: file, line: line) else { return }
        XCTAssertEqual(error.code, .invalidArgument, error.message, file: file, line: line)
        for fragment in fragments {
            XCTAssertTrue(error.message.contains(fragment), "'\(error.message)' lacks '\(fragment)'", file: file, line: line)
        }
    }

    func testShapeValueCountMismatchNamesTensorShapeAndCount() {
        assertInvalid(predictRequestBytes(input: "float_input") { t in
            t.int(Field.Tensor.dtype, 1)
            t.packedInts(Field.Tensor.shape, [2, 4])
            t.packedFloats(Field.Tensor.floatVal, [1, 2, 3, 4, 5, 6, 7])
        }, contains: ["'float_input'", "[2, 4]", "8 values", "float_val has 7"])
    }

    func testMissingShapeMeansScalarSoManyValuesAreRejected() {
        assertInvalid(predictRequestBytes { t in
            t.int(Field.Tensor.dtype, 1)
            t.packedFloats(Field.Tensor.floatVal, [1, 2])
        }, contains: ["'x'", "[]", "1 values", "has 2"])
    }

    func testRawLengthMustMatchShape() {
        assertInvalid(predictRequestBytes(input: "float_input") { t in
            t.int(Field.Tensor.dtype, 1)
            t.packedInts(Field.Tensor.shape, [2, 4])
            t.data(Field.Tensor.raw, [UInt8](repeating: 0, count: 12))
        }, contains: ["'float_input'", "raw holds 12 bytes", "[2, 4]", "32"])
    }

    func testRawAndTypedTogetherIsRejected() {
        assertInvalid(predictRequestBytes { t in
            t.int(Field.Tensor.dtype, 1)
            t.packedInts(Field.Tensor.shape, [1])
            t.packedFloats(Field.Tensor.floatVal, [1])
            t.data(Field.Tensor.raw, [0, 0, 128, 63])
        }, contains: ["'x'", "both raw and float_val"])
    }

    func testStringsCannotTravelRaw() {
        assertInvalid(predictRequestBytes { t in
            t.int(Field.Tensor.dtype, 7)
            t.packedInts(Field.Tensor.shape, [1])
            t.data(Field.Tensor.raw, [65])
        }, contains: ["'x'", "DT_STRING", "string_val"])
    }

    func testValuesInTheWrongListAreRejected() {
        assertInvalid(predictRequestBytes { t in
            t.int(Field.Tensor.dtype, 1)  // DT_FLOAT, values sent as int64
            t.packedInts(Field.Tensor.shape, [2])
            t.packedInts(Field.Tensor.int64Val, [1, 2])
        }, contains: ["'x'", "DT_FLOAT", "int64_val"])
    }

    func testMissingAndUnknownDtypes() {
        assertInvalid(predictRequestBytes { t in
            t.packedInts(Field.Tensor.shape, [1])
            t.packedFloats(Field.Tensor.floatVal, [1])
        }, contains: ["'x'", "no dtype"])
        assertInvalid(predictRequestBytes { t in
            t.int(Field.Tensor.dtype, 5)  // DT_UINT8 in TensorFlow, not supported
            t.packedInts(Field.Tensor.shape, [1])
        }, contains: ["'x'", "unsupported dtype 5"])
    }

    func testNegativeAndOverflowingDimensions() {
        assertInvalid(predictRequestBytes { t in
            t.int(Field.Tensor.dtype, 1)
            t.packedInts(Field.Tensor.shape, [-1, 4])
        }, contains: ["'x'", "[-1, 4]", "negative"])
        assertInvalid(predictRequestBytes { t in
            t.int(Field.Tensor.dtype, 1)
            t.packedInts(Field.Tensor.shape, [Int64.max, 4])
        }, contains: ["'x'", "overflows"])
        // count fits but count × 8 bytes does not: must be an error, not a trap.
        assertInvalid(predictRequestBytes { t in
            t.int(Field.Tensor.dtype, 2)
            t.packedInts(Field.Tensor.shape, [Int64.max / 4])
            t.data(Field.Tensor.raw, [1, 2, 3, 4, 5, 6, 7, 8])
        }, contains: ["'x'", "raw holds 8 bytes"])
    }

    func testInvalidUTF8IsRejected() {
        assertInvalid(predictRequestBytes(input: "names") { t in
            t.int(Field.Tensor.dtype, 7)
            t.packedInts(Field.Tensor.shape, [2])
            t.data(Field.Tensor.stringVal, Array("ok".utf8))
            t.data(Field.Tensor.stringVal, [0x66, 0xC3, 0x28])
        }, contains: ["'names'", "string_val[1]", "UTF-8"])
    }

    func testEntryWithoutTensorIsRejected() {
        var w = ProtoWriter()
        w.message(Field.Request.predict) { p in
            p.message(Field.Predict.inputs) { $0.string(Field.Entry.key, "lonely") }
        }
        guard let error = decodeError(w.bytes) else { return }
        XCTAssertEqual(error.code, .invalidArgument)
        XCTAssertTrue(error.message.contains("'lonely'"), error.message)
    }
}
