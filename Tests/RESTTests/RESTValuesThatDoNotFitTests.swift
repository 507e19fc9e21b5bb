import SwerveTestSupport
import REST
import Wire
import XCTest

/// Numbers the input's type cannot hold are 400s naming the value and where
/// it is, on every JSON front, and never reach the model as infinity or a
/// wrapped integer.
final class RESTValuesThatDoNotFitTests: FakeRESTServerTestCase {
    static let fourHundredDigits = String(repeating: "9", count: 400)

    private func assertRefused(_ path: String, _ body: String, _ fragments: String...,
                               file: StaticString = #filePath, line: UInt = #line) throws {
        let before = server.handler.requests.count
        let r = try client.call("POST", path, body: body)
        XCTAssertEqual(r.status, 400, r.text, file: file, line: line)
        for fragment in fragments {
            XCTAssertTrue(r.text.contains(fragment), "'\(r.text)' lacks '\(fragment)'", file: file, line: line)
        }
        // Metadata lookups may reach the handler; a predict must not.
        let predicts = server.handler.requests.dropFirst(before).filter { if case .predict = $0.call { return true } else { return false } }
        XCTAssertTrue(predicts.isEmpty, "a refused value still reached the model", file: file, line: line)
    }

    func testTFRowsRefuseFloatOverflowNamingValueAndPosition() throws {
        try assertRefused("/v1/models/iris:predict", #"{"instances": [[5.1, 3.5, 1.4, 0.2], [5.1, 1e999, 1.4, 0.2]]}"#,
                          "input 'input' is float", "[1][1] is 1e999", "does not fit in float")
    }

    func testTFColumnsRefuseA400DigitInteger() throws {
        try assertRefused("/v1/models/iris:predict", "{\"inputs\": {\"input\": [[5.1, 3.5, \(Self.fourHundredDigits), 0.2]]}}",
                          "[0][2] is 9999999999", "(400 characters)", "does not fit in float")
    }

    func testFloatJustPastItsLargestValueIsRefusedButDoubleRangeIsNotTheLimit() throws {
        try assertRefused("/v1/models/iris:predict", #"{"instances": [[3.5e38, 3.5, 1.4, 0.2]]}"#, "[0][0] is 3.5e38")
        let fits = try client.call("POST", "/v1/models/iris:predict", body: #"{"instances": [[3.4e38, 3.5, 1.4, 1e-999]]}"#)
        XCTAssertEqual(fits.status, 200, fits.text)
    }

    func testIntegersBeyondInt64AreRefusedAsNotFittingNotAsNonIntegers() throws {
        try assertRefused("/v1/models/two-inputs:predict", #"{"instances": [{"a": [1, 2], "b": 9223372036854775808}]}"#,
                          "input 'b' is int64", "9223372036854775808", "does not fit in int64")
        try assertRefused("/v1/models/two-inputs:predict", #"{"instances": [{"a": [1, 2], "b": -9223372036854775809}]}"#,
                          "does not fit in int64")
        let largest = try client.call("POST", "/v1/models/two-inputs:predict",
                                      body: #"{"instances": [{"a": [1, 2], "b": 9223372036854775807}]}"#)
        XCTAssertEqual(largest.status, 200, largest.text)
    }

    func testKServeJSONRefusesValuesThatDoNotFit() throws {
        try assertRefused("/v2/models/iris/infer",
                          #"{"inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP32", "data": [5.1, 3.5, -1e999, 0.2]}]}"#,
                          "[2] is -1e999", "does not fit in float")
        try assertRefused("/v2/models/iris/infer",
                          #"{"inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP64", "data": [[5.1, 3.5, 1.4, 2e308]]}]}"#,
                          "[0][3] is 2e308", "does not fit in double")
        try assertRefused("/v2/models/iris/infer",
                          #"{"inputs": [{"name": "input", "shape": [1, 4], "datatype": "INT32", "data": [1, 2, 2147483648, 4]}]}"#,
                          "[2] is 2147483648", "does not fit in int32")
    }

    func testClassicRoutesRefuseValuesThatDoNotFit() throws {
        try assertRefused("/predict", #"{"data": [[5.1, 3.5, 1.4, 1e39]]}"#, "[0][3] is 1e39", "does not fit in float")
        try assertRefused("/predict/label", #"{"data": [[1e999, 3.3, 6.0, 2.5]]}"#, "[0][0] is 1e999")
    }
}
