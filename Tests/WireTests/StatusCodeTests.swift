import Wire
import XCTest

final class StatusCodeTests: XCTestCase {
    func testNumbersAreGRPCCanonical() {
        let expected: [(StatusCode, Int32, String)] = [
            (.ok, 0, "OK"), (.cancelled, 1, "CANCELLED"), (.unknown, 2, "UNKNOWN"),
            (.invalidArgument, 3, "INVALID_ARGUMENT"), (.deadlineExceeded, 4, "DEADLINE_EXCEEDED"),
            (.notFound, 5, "NOT_FOUND"), (.alreadyExists, 6, "ALREADY_EXISTS"),
            (.permissionDenied, 7, "PERMISSION_DENIED"), (.resourceExhausted, 8, "RESOURCE_EXHAUSTED"),
            (.failedPrecondition, 9, "FAILED_PRECONDITION"), (.aborted, 10, "ABORTED"),
            (.outOfRange, 11, "OUT_OF_RANGE"), (.unimplemented, 12, "UNIMPLEMENTED"), (.internal, 13, "INTERNAL"),
            (.unavailable, 14, "UNAVAILABLE"), (.dataLoss, 15, "DATA_LOSS"), (.unauthenticated, 16, "UNAUTHENTICATED"),
        ]
        XCTAssertEqual(StatusCode.allCases.count, expected.count)
        for (code, number, name) in expected {
            XCTAssertEqual(code.rawValue, number, name)
            XCTAssertEqual(code.protoName, name)
        }
    }

    func testDataTypeMapsEveryRuntimeElementType() {
        for dtype in DataType.allCases where dtype != .invalid {
            XCTAssertEqual(DataType(dtype.elementType!), dtype)
        }
        XCTAssertEqual(DataType.float.rawValue, 1)
        XCTAssertEqual(DataType.string.rawValue, 7)
        XCTAssertEqual(DataType.int64.rawValue, 9)
        XCTAssertNil(DataType.invalid.elementType)
    }

    func testStatusDescriptionShowsCodeAndMessage() {
        XCTAssertEqual(Status(.notFound, "no model 'x'").description, "NOT_FOUND: no model 'x'")
        XCTAssertEqual(Status.ok.description, "OK")
    }
}
