import Foundation
import SwerveTestSupport
import XCTest

/// One suite of REST checks against real processes, run twice: against the
/// in-process adapter of `swerve serve` (``RESTInProcessTests``) and against
/// `swerve rest --upstream` in front of a `swerve serve`
/// (``RESTUpstreamTests``). Both must give the same answers, byte for byte.
///
/// The repository holds `iris` and `diabetes`; a copy of iris sits *next to*
/// the repository directory as `secret`, so path tricks that escaped the
/// repository would find it.
final class RESTTarget {
    let root: URL
    let server: SwerveProcess
    let adapter: RESTAdapterProcess?
    var port: Int { adapter?.port ?? server.restPort ?? 0 }

    init(upstream: Bool) throws {
        root = try TestPaths.temporaryDirectory("rest")
        let repository = root.appendingPathComponent("repo")
        try FileManager.default.createDirectory(at: repository, withIntermediateDirectories: true)
        for name in ["iris", "diabetes"] {
            try FileManager.default.copyItem(at: TestPaths.models.appendingPathComponent(name), to: repository.appendingPathComponent(name))
        }
        try FileManager.default.copyItem(at: TestPaths.models.appendingPathComponent("iris"), to: root.appendingPathComponent("secret"))
        let restArguments = ["--max-body-bytes", "4096"]
        if upstream {
            server = try SwerveProcess(models: repository, arguments: ["--rest-port", "0"])
            adapter = try RESTAdapterProcess(upstreamPort: server.port, arguments: restArguments)
        } else {
            server = try SwerveProcess(models: repository, arguments: restArguments)
            adapter = nil
        }
    }

    deinit { try? FileManager.default.removeItem(at: root) }
}

enum RESTSuite {
    static let iris = #"{"instances": [[5.1, 3.5, 1.4, 0.2], [6.3, 3.3, 6.0, 2.5]]}"#
    static let irisPredictions = #"{"predictions":[{"label":0,"probabilities":{"0":0.9796692,"1":0.011212017,"2":0.009118753}},{"label":2,"probabilities":{"0":0.010140319,"1":0.0023575996,"2":0.98750216}}]}"#

    static func predictFormats(_ port: Int) throws {
        let c = try RawHTTPClient(port: port)
        XCTAssertEqual(try c.call("POST", "/v1/models/iris:predict", body: iris).text, irisPredictions)
        XCTAssertEqual(try c.call("POST", "/v1/models/iris/versions/1:predict", body: #"{"inputs": [[5.1, 3.5, 1.4, 0.2]]}"#).text,
                       #"{"outputs":{"label":[0],"probabilities":[{"0":0.9796692,"1":0.011212017,"2":0.009118753}]}}"#)
        XCTAssertEqual(try c.call("POST", "/v1/models/diabetes:predict",
                                  body: #"{"instances": [[0.038, 0.05, 0.061, 0.021, -0.044, -0.034, -0.043, -0.002, 0.019, -0.017]]}"#).status, 200)
        XCTAssertEqual(try c.call("POST", "/predict", body: #"{"data": [[5.1, 3.5, 1.4, 0.2]]}"#).text,
                       #"{"prediction":[[0.9796692,0.011212017,0.009118753]]}"#)
        XCTAssertEqual(try c.call("POST", "/predict/label", body: #"{"data": [[6.3, 3.3, 6.0, 2.5]]}"#).text,
                       #"{"prediction":{"label":"virginica","proba":0.98750216}}"#)
        XCTAssertEqual(try c.call("POST", "/v2/models/iris/infer", body: """
            {"inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP32", "data": [5.1, 3.5, 1.4, 0.2]}]}
            """).text,
            #"{"model_name":"iris","model_version":"1","outputs":[{"name":"label","datatype":"INT64","shape":[1],"data":[0]},{"name":"probabilities","datatype":"FP32","shape":[1,3],"data":[0.9796692,0.011212017,0.009118753]},{"name":"probabilities:labels","datatype":"INT64","shape":[3],"data":[0,1,2]}]}"#)
    }

    static func statusMetadataAndHealth(_ port: Int) throws {
        let c = try RawHTTPClient(port: port)
        XCTAssertEqual(try c.call("GET", "/v1/models/iris").text,
                       #"{"model_version_status":[{"version":"1","state":"AVAILABLE","status":{"error_code":"OK","error_message":""}}]}"#)
        let metadata = try c.call("GET", "/v1/models/iris/metadata")
        XCTAssertTrue(metadata.text.contains(#""class_labels":["setosa","versicolor","virginica"]"#), metadata.text)
        XCTAssertEqual(try c.call("GET", "/v2/models/iris/versions/1").status, 200)
        XCTAssertEqual(try c.call("GET", "/v2/models/iris/ready").text, #"{"name":"iris","ready":true}"#)
        XCTAssertEqual(try c.call("GET", "/v2/health/ready").text, #"{"ready":true}"#)
        XCTAssertEqual(try c.call("GET", "/v2/health/live").status, 200)
        XCTAssertTrue(try c.call("GET", "/v2").text.hasPrefix(#"{"name":"swerve","version":"#))
        XCTAssertEqual(try c.call("GET", "/health").status, 200)
        XCTAssertTrue(try c.call("GET", "/health/all").text.hasSuffix(#""status":"healthy"}"#))
        XCTAssertTrue(try c.call("GET", "/metadata").text.hasPrefix(#"{"model_name":"iris","model_version":1"#))
    }

    static func errors(_ port: Int) throws {
        let c = try RawHTTPClient(port: port)
        let unknown = try c.call("GET", "/v1/models/nope")
        XCTAssertEqual(unknown.status, 404)
        XCTAssertTrue(unknown.text.contains("model 'nope' not found"), unknown.text)
        XCTAssertEqual(try c.call("GET", "/v1/models/iris/versions/9").status, 404)
        XCTAssertEqual(try c.call("POST", "/v1/models/iris/versions/9:predict", body: iris).status, 404)
        XCTAssertEqual(try c.call("GET", "/v2/models/nope/ready").status, 404)
        let shape = try c.call("POST", "/v1/models/iris:predict", body: #"{"instances": [[5.1, 3.5, 1.4]]}"#)
        XCTAssertEqual(shape.status, 400)
        XCTAssertTrue(shape.text.contains("input"), shape.text)
        let type = try c.call("POST", "/v2/models/iris/infer", body: #"{"inputs": [{"name": "input", "shape": [1, 4], "datatype": "INT64", "data": [5, 3, 1, 0]}]}"#)
        XCTAssertEqual(type.status, 400, type.text)
        XCTAssertEqual(try c.call("POST", "/v1/models/iris:predict", body: #"{"instances": [[5.1, 3.5, 1.4, 0.2]"#).status, 400)
        XCTAssertEqual(try c.call("GET", "/v1/models/iris:predict").status, 405)
        XCTAssertEqual(try c.call("POST", "/predict", body: "x", headers: ["Content-Type": "text/plain"]).status, 415)
        let big = try c.call("POST", "/v1/models/iris:predict", body: "{\"instances\": [" + String(repeating: "[5.1, 3.5, 1.4, 0.2],", count: 300) + "[1,2,3,4]]}")
        XCTAssertEqual(big.status, 413)
        // Jobs: 501 in a build without a job queue, 202 with one.
        let submit = try RawHTTPClient(port: port).call("POST", "/v1/models/iris:submit", body: iris)
        XCTAssertTrue([202, 501].contains(submit.status), submit.text)
        XCTAssertTrue([404, 501].contains(try RawHTTPClient(port: port).call("GET", "/v1/jobs/no-such-job").status))
        XCTAssertEqual(try RawHTTPClient(port: port).call("GET", "/v1/jobs/bad%20id").status, 404)
    }

    static func pathTricksNeverLeaveTheRepository(_ port: Int) throws {
        let c = try RawHTTPClient(port: port)
        for path in ["/v1/models/..%2Fsecret", "/v1/models/..%2Fsecret/metadata", "/v1/models/%2e%2e%2fsecret",
                     "/v2/models/..%2Fsecret/ready", "/v1/models/../secret", "/v1/models/iris%2F..%2F..%2Fsecret",
                     "/v1/models/%2Fetc%2Fpasswd", "/v2/models/..%5Csecret"] {
            let r = try c.call("GET", path)
            XCTAssertTrue([400, 404].contains(r.status), "\(path): \(r.status) \(r.text)")
        }
        let predict = try c.call("POST", "/v1/models/..%2Fsecret:predict", body: iris)
        XCTAssertEqual(predict.status, 404, predict.text)
        XCTAssertEqual(try c.call("GET", "/v1/models/secret").status, 404, "the sibling directory is not a model")
        XCTAssertEqual(try c.call("POST", "/v1/models/iris:predict", body: iris).text, irisPredictions, "still serving")
    }

    static func keepAlivePipeliningAndSplitWrites(_ port: Int) throws {
        let c = try RawHTTPClient(port: port)
        var batch = ""
        let rows = ["[5.1, 3.5, 1.4, 0.2]", "[6.3, 3.3, 6.0, 2.5]"]
        for i in 0..<50 {
            batch += RawHTTPClient.request("POST", "/v1/models/iris:predict", body: "{\"instances\": [\(rows[i % 2])]}")
        }
        try c.send(batch)
        for i in 0..<50 {
            let r = try c.readResponse()
            XCTAssertEqual(r.status, 200)
            XCTAssertTrue(r.text.hasPrefix(i % 2 == 0 ? #"{"predictions":[{"label":0"# : #"{"predictions":[{"label":2"#), "response \(i) out of order")
        }
        for b in RawHTTPClient.request("POST", "/v1/models/iris:predict", body: iris).utf8 { try c.send([b]) }
        XCTAssertEqual(try c.readResponse().text, irisPredictions)
    }

    static func metrics(_ port: Int) throws {
        let c = try RawHTTPClient(port: port)
        _ = try c.call("POST", "/v1/models/iris:predict", body: iris)
        let page = try c.call("GET", "/metrics").text
        XCTAssertTrue(page.contains(#"swerve_rest_requests_total{route="predict",model="iris",version="1",status="200"}"#), page)
        XCTAssertTrue(page.contains(#"swerve_model_version_state{model="iris",version="1",state="AVAILABLE"} 1"#), page)
        XCTAssertTrue(page.contains("# TYPE swerve_rest_request_duration_seconds histogram"), page)
    }

    static func tritonClient(_ port: Int) throws {
        let python = URL(fileURLWithPath: "/usr/bin/env")
        let probe = try runCommand(python, ["python3", "-c", "import tritonclient.http"])
        try XCTSkipIf(probe.status != 0, "tritonclient[http] is not installed (make rest-test-deps)")
        let script = TestPaths.repositoryRoot.appendingPathComponent("scripts/rest-triton-check.py").path
        let run = try runCommand(python, ["python3", script, "127.0.0.1:\(port)"], timeout: 120)
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        XCTAssertTrue(run.stdout.contains("equal onnxruntime's"), run.stdout)
    }

    /// Every `curl` line of the README's REST section, as written but for the port.
    static func readmeCurlExamples(_ port: Int) throws {
        let curl = URL(fileURLWithPath: "/usr/bin/curl")
        try XCTSkipIf(!FileManager.default.isExecutableFile(atPath: curl.path), "curl is not installed (make test-deps)")
        let readme = try String(contentsOf: TestPaths.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        guard let section = readme.components(separatedBy: "\n## REST\n").dropFirst().first?.components(separatedBy: "\n## ").first else {
            return XCTFail("README has no ## REST section")
        }
        let commands = section.split(separator: "\n").filter { $0.hasPrefix("curl ") }.map(String.init)
        XCTAssertGreaterThanOrEqual(commands.count, 10)
        for command in commands {
            let adapted = command.replacingOccurrences(of: "localhost:8501", with: "127.0.0.1:\(port)")
                .replacingOccurrences(of: "curl -s ", with: "curl -s --fail-with-body ")
            let run = try runCommand(URL(fileURLWithPath: "/bin/sh"), ["-c", adapted])
            XCTAssertEqual(run.status, 0, "\(command)\n\(run.stdout)\(run.stderr)")
            XCTAssertFalse(run.stdout.isEmpty, command)
        }
    }
}

/// The suite against `swerve serve`'s in-process adapter.
final class RESTInProcessTests: XCTestCase {
    nonisolated(unsafe) static var target: RESTTarget?
    var port: Int { Self.target!.port }

    override func setUpWithError() throws {
        if Self.target == nil { Self.target = try RESTTarget(upstream: false) }
    }

    override class func tearDown() { target = nil }

    func testPredictInEveryFormat() throws { try RESTSuite.predictFormats(port) }
    func testStatusMetadataAndHealth() throws { try RESTSuite.statusMetadataAndHealth(port) }
    func testErrors() throws { try RESTSuite.errors(port) }
    func testPathTricksNeverLeaveTheRepository() throws { try RESTSuite.pathTricksNeverLeaveTheRepository(port) }
    func testKeepAlivePipeliningAndSplitWrites() throws { try RESTSuite.keepAlivePipeliningAndSplitWrites(port) }
    func testMetrics() throws { try RESTSuite.metrics(port) }
    func testTritonClientGetsTheIrisProbabilities() throws { try RESTSuite.tritonClient(port) }
    func testReadmeCurlExamples() throws { try RESTSuite.readmeCurlExamples(port) }
}

/// The same suite against `swerve rest --upstream` in front of `swerve serve`.
final class RESTUpstreamTests: XCTestCase {
    nonisolated(unsafe) static var target: RESTTarget?
    var port: Int { Self.target!.port }

    override func setUpWithError() throws {
        if Self.target == nil { Self.target = try RESTTarget(upstream: true) }
    }

    override class func tearDown() { target = nil }

    func testPredictInEveryFormat() throws { try RESTSuite.predictFormats(port) }
    func testStatusMetadataAndHealth() throws { try RESTSuite.statusMetadataAndHealth(port) }
    func testErrors() throws { try RESTSuite.errors(port) }
    func testPathTricksNeverLeaveTheRepository() throws { try RESTSuite.pathTricksNeverLeaveTheRepository(port) }
    func testKeepAlivePipeliningAndSplitWrites() throws { try RESTSuite.keepAlivePipeliningAndSplitWrites(port) }
    func testMetrics() throws { try RESTSuite.metrics(port) }
    func testTritonClientGetsTheIrisProbabilities() throws { try RESTSuite.tritonClient(port) }
    func testReadmeCurlExamples() throws { try RESTSuite.readmeCurlExamples(port) }

    func testUnreachableUpstreamIs503() throws {
        // Port 1 (tcpmux) has no listener on a test machine: connecting is refused.
        let probe = try RESTAdapterProcess(upstreamPort: 1)
        let r = try RawHTTPClient(port: probe.port).call("POST", "/v1/models/iris:predict", body: RESTSuite.iris)
        XCTAssertEqual(r.status, 503, r.text)
        XCTAssertTrue(r.text.contains("upstream 127.0.0.1:1"), r.text)
    }
}
