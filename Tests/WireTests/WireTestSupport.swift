import SwerveTestSupport
import ModelRuntime
import Wire
import XCTest

/// Asserts two tensors have the same shape, element type and values
/// (floating-point values compared bit for bit, so NaN and -0 count).
func assertTensorsEqual(_ a: Tensor?, _ b: Tensor?, _ context: String = "",
                        file: StaticString = #filePath, line: UInt = #line) {
    guard let a, let b else {
        XCTAssertTrue(a == nil && b == nil, "one tensor is missing \(context)", file: file, line: line)
        return
    }
    XCTAssertEqual(a.shape, b.shape, "shape \(context)", file: file, line: line)
    switch (a.storage, b.storage) {
    case (.float(let x), .float(let y)):
        XCTAssertEqual(x.map(\.bitPattern), y.map(\.bitPattern), "float values \(context)", file: file, line: line)
    case (.double(let x), .double(let y)):
        XCTAssertEqual(x.map(\.bitPattern), y.map(\.bitPattern), "double values \(context)", file: file, line: line)
    case (.int32(let x), .int32(let y)): XCTAssertEqual(x, y, context, file: file, line: line)
    case (.int64(let x), .int64(let y)): XCTAssertEqual(x, y, context, file: file, line: line)
    case (.bool(let x), .bool(let y)): XCTAssertEqual(x, y, context, file: file, line: line)
    case (.string(let x), .string(let y)): XCTAssertEqual(x, y, context, file: file, line: line)
    default:
        XCTFail("element types differ: \(a.elementType) vs \(b.elementType) \(context)", file: file, line: line)
    }
}

func assertNamedTensorsEqual(_ a: [NamedTensor], _ b: [NamedTensor],
                             file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.map(\.name), b.map(\.name), "names", file: file, line: line)
    for (x, y) in zip(a, b) { assertTensorsEqual(x.tensor, y.tensor, "'\(x.name)'", file: file, line: line) }
}

extension ProtobufCodec {
    static func decodeRequest(_ bytes: [UInt8]) -> Result<Request, WireError> {
        bytes.withUnsafeBytes { decodeRequest($0) }
    }

    static func decodeResponse(_ bytes: [UInt8]) -> Result<Response, WireError> {
        bytes.withUnsafeBytes { decodeResponse($0) }
    }
}

/// Encodes then decodes a request; throws the decode error.
func roundTrip(_ request: Request) throws -> Request {
    var bytes: [UInt8] = []
    ProtobufCodec.encode(request, into: &bytes)
    return try ProtobufCodec.decodeRequest(bytes).get()
}

/// Encodes then decodes a response; throws the decode error.
func roundTrip(_ response: Response) throws -> Response {
    var bytes: [UInt8] = []
    ProtobufCodec.encode(response, into: &bytes)
    return try ProtobufCodec.decodeResponse(bytes).get()
}

/// The error a decode must produce; fails the test when it succeeds.
func decodeError(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> WireError? {
    switch ProtobufCodec.decodeRequest(bytes) {
    case .success(let r):
        XCTFail("decoded \(r.call.name) but expected an error", file: file, line: line)
        return nil
    case .failure(let e):
        return e
    }
}

/// Field numbers from serving.proto, so tests read like the schema.
enum Field {
    enum Request { static let id = 1, predict = 2, submit = 3, getJob = 4, health = 8, timeoutMs = 20 }
    enum Predict { static let modelSpec = 1, inputs = 2, outputFilter = 3 }
    enum Entry { static let key = 1, value = 2 }
    enum Tensor { static let dtype = 1, shape = 2, floatVal = 3, doubleVal = 4, intVal = 5, int64Val = 6,
                  boolVal = 7, stringVal = 8, raw = 9 }
    enum Spec { static let name = 1 }
}

/// A Request { id: 7, predict { model_spec { name: "m" }, inputs { key: name, value: <tensor> } } }.
func predictRequestBytes(input name: String = "x", tensor: (inout ProtoWriter) -> Void) -> [UInt8] {
    var w = ProtoWriter()
    w.int(Field.Request.id, 7)
    w.message(Field.Request.predict) { p in
        p.message(Field.Predict.modelSpec) { $0.string(Field.Spec.name, "m") }
        p.message(Field.Predict.inputs) { e in
            e.string(Field.Entry.key, name)
            e.message(Field.Entry.value, tensor)
        }
    }
    return w.bytes
}

/// Deterministic pseudo-random numbers (SplitMix64) so fuzz tests repeat exactly.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
