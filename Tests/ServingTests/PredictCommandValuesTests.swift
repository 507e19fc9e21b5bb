import Foundation
import XCTest

/// `swerve predict --data` refuses values the input's type cannot hold
/// before sending, and the server refuses NaN for a model that does not
/// take missing values.
final class PredictCommandValuesTests: XCTestCase {
    func testValuesThatDoNotFitAndNaNAreRefusedNamingTheElement() throws {
        let server = try SwerveProcess(models: TestPaths.models)
        let address = "127.0.0.1:\(server.port)"
        func predict(_ data: String) throws -> (status: Int32, stdout: String, stderr: String) {
            try runCommand(TestPaths.swerveBinary, ["predict", "--server", address, "--model", "iris", "--data", data])
        }
        let overflow = try predict("[[5.1,1e39,1.4,0.2]]")
        XCTAssertNotEqual(overflow.status, 0, overflow.stdout)
        XCTAssertTrue(overflow.stderr.contains("--data element 1"), overflow.stderr)
        XCTAssertTrue(overflow.stderr.contains("does not fit in float"), overflow.stderr)

        let nan = try predict(#"[[5.1,"NaN",1.4,0.2]]"#)
        XCTAssertNotEqual(nan.status, 0, nan.stdout)
        XCTAssertTrue(nan.stderr.contains("INVALID_ARGUMENT"), nan.stderr)
        XCTAssertTrue(nan.stderr.contains("holds NaN at [0][1]"), nan.stderr)

        XCTAssertEqual(try predict("[[5.1,3.5,1.4,0.2]]").status, 0)
    }
}
