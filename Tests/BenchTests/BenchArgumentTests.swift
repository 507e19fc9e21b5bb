import ArgumentParser
import SwerveBenchCore
import XCTest

/// The command line refuses bad values with a message naming the option.
final class BenchArgumentTests: XCTestCase {
    /// The message a user would see for `arguments`, or nil if they parse.
    private func parseError(_ arguments: [String]) -> String? {
        do {
            _ = try SwerveBenchCommand.parse(arguments)
            return nil
        } catch {
            return SwerveBenchCommand.message(for: error)
        }
    }

    private func assertRejected(_ arguments: [String], mentioning expected: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let message = parseError(arguments) else {
            XCTFail("\(arguments) parsed, expected an error mentioning '\(expected)'", file: file, line: line)
            return
        }
        XCTAssertTrue(message.contains(expected), "'\(message)' does not mention '\(expected)'", file: file, line: line)
    }

    func testTargetIsRequiredAndExclusive() {
        assertRejected([], mentioning: "give exactly one of --target HOST:PORT")
        assertRejected(["--target", "127.0.0.1:8500", "--http", "http://127.0.0.1:8501/"], mentioning: "give exactly one of")
    }

    func testMalformedTargetsAreNamed() {
        assertRejected(["--target", "localhost"], mentioning: "--target 'localhost' is not HOST:PORT")
        assertRejected(["--target", "127.0.0.1:99999"], mentioning: "is not HOST:PORT")
        assertRejected(["--http", "ftp://example.com/predict"], mentioning: "must start with http:// or https://")
        assertRejected(["--http", "http://127.0.0.1:8501/x", "--features", "4", "--tls-ca", "ca.pem"], mentioning: "--tls-ca with --http needs an https:// URL")
        assertRejected(["--http", "http:///v1/models/iris:predict"], mentioning: "has no host")
        assertRejected(["--http", "http://127.0.0.1:0/x", "--features", "4"], mentioning: "is not HOST[:PORT]")
    }

    func testCountsMustBePositive() {
        let target = ["--target", "127.0.0.1:8500"]
        assertRejected(target + ["--connections", "0"], mentioning: "--connections must be at least 1, got 0")
        assertRejected(target + ["--pipeline", "0"], mentioning: "--pipeline must be at least 1")
        assertRejected(target + ["--batch", "0"], mentioning: "--batch must be at least 1")
        assertRejected(target + ["--loops", "0"], mentioning: "--loops must be at least 1")
        assertRejected(target + ["--rate", "0"], mentioning: "--rate must be a positive number")
        assertRejected(target + ["--rate=-5"], mentioning: "--rate must be a positive number")
        assertRejected(target + ["--duration", "0"], mentioning: "--duration must be a positive number")
        assertRejected(target + ["--requests", "0"], mentioning: "--requests must be at least 1")
        assertRejected(target + ["--warmup=-1"], mentioning: "--warmup must not be negative")
        assertRejected(target + ["--timeout", "0"], mentioning: "--timeout must be a positive number")
        assertRejected(target + ["--features", "0"], mentioning: "--features must be at least 1")
        assertRejected(target + ["--rate", "100", "--tick-us=-5"], mentioning: "--tick-us must not be negative")
        assertRejected(target + ["--rate", "100", "--max-in-flight", "0"], mentioning: "--max-in-flight must be at least 1")
    }

    func testConflictingOptions() {
        let target = ["--target", "127.0.0.1:8500"]
        assertRejected(target + ["--rate", "1000", "--pipeline", "4"], mentioning: "--pipeline is for the closed loop")
        assertRejected(target + ["--duration", "5", "--requests", "100"], mentioning: "give --duration or --requests, not both")
    }

    func testWorkloadsAndMixes() {
        let target = ["--target", "127.0.0.1:8500"]
        assertRejected(target + ["--workload", "train"], mentioning: "--workload 'train' is not one of predict, submit, fanout")
        assertRejected(target + ["--mix", "predict"], mentioning: "expected KIND=WEIGHT")
        assertRejected(target + ["--mix", "predict=8,dance=1"], mentioning: "expected KIND=WEIGHT")
        assertRejected(target + ["--mix", "predict=0"], mentioning: "weight of predict must be a positive integer")
        assertRejected(target + ["--mix", "predict=1,predict=2"], mentioning: "predict appears twice")
        assertRejected(target + ["--mix", "predict=8,fanout=1"], mentioning: "needs --fanout-model NAME")
    }

    func testHTTPNeedsRowWidthAndOnlyPredicts() {
        let http = ["--http", "http://127.0.0.1:8501/v1/models/iris:predict"]
        assertRejected(http, mentioning: "--http needs --features N")
        assertRejected(http + ["--features", "4", "--workload", "submit"], mentioning: "--http supports only the predict workload")
    }

    func testValidArgumentsBuildTheConfiguration() throws {
        let closed = try SwerveBenchCommand.parse(["--target", "127.0.0.1:8500", "--connections", "8", "--pipeline", "16",
                                                   "--requests", "1000", "--mix", "predict=3,submit=1"]).makeConfiguration()
        XCTAssertEqual(closed.target, .binary(host: "127.0.0.1", port: 8500))
        XCTAssertEqual(closed.load, .closed(pipeline: 16))
        XCTAssertEqual(closed.connections, 8)
        XCTAssertEqual(closed.requests, 1000)
        XCTAssertNil(closed.duration)
        XCTAssertEqual(closed.mix, [WorkloadWeight(kind: .predict, weight: 3), WorkloadWeight(kind: .submit, weight: 1)])

        let open = try SwerveBenchCommand.parse(["--http", "http://localhost:8501/v1/models/iris:predict", "--features", "4",
                                                 "--rate", "2500"]).makeConfiguration()
        XCTAssertEqual(open.target, .http(host: "localhost", port: 8501, path: "/v1/models/iris:predict"))
        XCTAssertEqual(open.load, .open(rate: 2500, maxInFlight: 1024))
        XCTAssertEqual(open.duration, 10)

        let fanOut = try SwerveBenchCommand.parse(["--target", "[::1]:8500", "--workload", "fanout", "--model", "ensemble"]).makeConfiguration()
        XCTAssertEqual(fanOut.target, .binary(host: "::1", port: 8500))
        XCTAssertEqual(fanOut.fanOutModel, "ensemble")
    }
}
