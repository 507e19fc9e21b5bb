import Foundation
import SwerveTestSupport
import XCTest

/// One suite of REST checks against real processes, run twice: against the
/// in-process adapter of `swerve serve` (``RESTInProcessTests``) and against
/// `swerve rest --upstream` in front of a `swerve serve`
/// (``RESTUpstreamTests``). Both must give the same answers, byte for byte.
///
/// The repository holds `iris`, `diabetes` and `strings` (a model taking
/// BYTES: OneHotEncoder + LogisticRegression); a copy of iris sits *next to*
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
        let strings = repository.appendingPathComponent("strings/1")
        try FileManager.default.createDirectory(at: strings, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: TestPaths.models.appendingPathComponent("fixtures/onehot_logreg_string.onnx"),
                                         to: strings.appendingPathComponent("model.onnx"))
        try FileManager.default.copyItem(at: TestPaths.models.appendingPathComponent("iris"), to: root.appendingPathComponent("secret"))
        let restArguments = ["--max-body-bytes", "4096"]
        // Polling as by default, plus explicit load/unload for tritonclient's repository calls.
        let control = ["--repository-control", "both"]
        if upstream {
            server = try SwerveProcess(models: repository, arguments: ["--rest-port", "0"] + control)
            adapter = try RESTAdapterProcess(upstreamPort: server.port, arguments: restArguments)
        } else {
            server = try SwerveProcess(models: repository, arguments: restArguments + control)
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

    /// TF Serving's Classify and Regress on the shipped models, by their
    /// scikit-learn feature names, sent as `curl -d` would (form Content-Type).
    static func classifyAndRegress(_ port: Int) throws {
        let c = try RawHTTPClient(port: port)
        let form = ["Content-Type": "application/x-www-form-urlencoded"]
        let classify = try c.call("POST", "/v1/models/iris:classify", body: """
            {"examples": [{"sepal length (cm)": 5.1, "sepal width (cm)": 3.5, "petal length (cm)": 1.4, "petal width (cm)": 0.2},
                          {"input": [6.3, 3.3, 6.0, 2.5]}]}
            """, headers: form)
        XCTAssertEqual(classify.text, #"{"result":[[["setosa",0.9796692],["versicolor",0.011212017],["virginica",0.009118753]],[["setosa",0.010140319],["versicolor",0.0023575996],["virginica",0.98750216]]]}"#)
        let regress = try c.call("POST", "/v1/models/diabetes/versions/1:regress", body: """
            {"context": {"sex": 0.05},
             "examples": [{"age": 0.038, "bmi": 0.061, "bp": 0.021, "s1": -0.044, "s2": -0.034, "s3": -0.043, "s4": -0.002, "s5": 0.019, "s6": -0.017}]}
            """, headers: form)
        XCTAssertEqual(regress.status, 200, regress.text)
        let predict = try c.call("POST", "/v1/models/diabetes:predict",
                                 body: #"{"instances": [[0.038, 0.05, 0.061, 0.021, -0.044, -0.034, -0.043, -0.002, 0.019, -0.017]]}"#)
        // The same row through :predict gives the same number.
        XCTAssertEqual(regress.text.dropFirst(#"{"result":["#.count).prefix(while: { $0 != "]" }),
                       predict.text.dropFirst(#"{"predictions":[["#.count).prefix(while: { $0 != "]" }), "\(regress.text) vs \(predict.text)")
        let missing = try c.call("POST", "/v1/models/diabetes:regress", body: #"{"examples": [{"age": 0.038}]}"#)
        XCTAssertEqual(missing.status, 400)
        XCTAssertTrue(missing.text.contains("has no feature 'sex'"), missing.text)
        let classifier = try c.call("POST", "/v1/models/diabetes:classify", body: #"{"examples": [{"input": [0,0,0,0,0,0,0,0,0,0]}]}"#)
        XCTAssertEqual(classifier.status, 400)
        XCTAssertTrue(classifier.text.contains("no class-probability output"), classifier.text)
    }

    /// Statistics move with calls; configuration and index in Triton's shape;
    /// abused binary bodies are 400 and the server goes on.
    static func tritonExtensions(_ port: Int) throws {
        let c = try RawHTTPClient(port: port)
        func successes() throws -> Int {
            let text = try c.call("GET", "/v2/models/diabetes/versions/1/stats").text
            guard let r = text.range(of: #""success":{"count":"#) else { XCTFail(text); return -1 }
            return Int(text[r.upperBound...].prefix(while: \.isNumber)) ?? -1
        }
        let before = try successes()
        let row = #"{"instances": [[0.038, 0.05, 0.061, 0.021, -0.044, -0.034, -0.043, -0.002, 0.019, -0.017]]}"#
        XCTAssertEqual(try c.call("POST", "/v1/models/diabetes:predict", body: row).status, 200)
        XCTAssertEqual(try c.call("POST", "/v1/models/diabetes:predict", body: row).status, 200)
        XCTAssertEqual(try successes(), before + 2)
        XCTAssertTrue(try c.call("GET", "/v2/models/stats").text.contains(#"{"name":"strings","version":"1","#))
        XCTAssertEqual(try c.call("GET", "/v2/models/nope/stats").status, 404)
        XCTAssertEqual(try c.call("GET", "/v2/models/diabetes/config").text,
                       #"{"name":"diabetes","platform":"onnxruntime_onnx","backend":"onnxruntime","version_policy":{"latest":{"num_versions":1}},"max_batch_size":0,"input":[{"name":"input","data_type":"TYPE_FP32","dims":[-1,10]}],"output":[{"name":"variable","data_type":"TYPE_FP32","dims":[-1,1]}]}"#)
        XCTAssertEqual(try c.call("POST", "/v2/repository/index", body: "{}").text,
                       #"[{"name":"diabetes","version":"1","state":"READY","reason":""},{"name":"iris","version":"1","state":"READY","reason":""},{"name":"strings","version":"1","state":"READY","reason":""}]"#)
        let header = Array(#"{"inputs":[{"name":"input","shape":[1,4],"datatype":"FP32","parameters":{"binary_data_size":16}}]}"#.utf8)
        for (headerLength, tail, problem) in [("900", [UInt8](repeating: 0, count: 16), "but the body has only"),
                                              (String(header.count), [UInt8](repeating: 0, count: 12), "exceeds the 12 bytes"),
                                              (String(header.count), [UInt8](repeating: 0, count: 20), "add up to 16"),
                                              ("-3", [], "not a non-negative integer")] {
            let r = try c.call("POST", "/v2/models/iris/infer", bytes: header + tail, headers: ["Inference-Header-Content-Length": headerLength])
            XCTAssertEqual(r.status, 400, r.text)
            XCTAssertTrue(r.text.contains(problem), r.text)
        }
        var row4 = header
        for v: Float in [5.1, 3.5, 1.4, 0.2] { withUnsafeBytes(of: v.bitPattern.littleEndian) { row4 += $0 } }
        let ok = try c.call("POST", "/v2/models/iris/infer", bytes: row4, headers: ["Inference-Header-Content-Length": String(header.count)])
        XCTAssertEqual(ok.text, #"{"model_name":"iris","model_version":"1","outputs":[{"name":"label","datatype":"INT64","shape":[1],"data":[0]},{"name":"probabilities","datatype":"FP32","shape":[1,3],"data":[0.9796692,0.011212017,0.009118753]},{"name":"probabilities:labels","datatype":"INT64","shape":[3],"data":[0,1,2]}]}"#)
    }

    static func tritonClient(_ port: Int) throws {
        let python = URL(fileURLWithPath: "/usr/bin/env")
        let probe = try runCommand(python, ["python3", "-c", "import tritonclient.http"])
        try XCTSkipIf(probe.status != 0, "tritonclient[http] is not installed (make rest-test-deps)")
        let script = TestPaths.repositoryRoot.appendingPathComponent("scripts/rest-triton-check.py").path
        let run = try runCommand(python, ["python3", script, "127.0.0.1:\(port)", "--strings", "strings"], timeout: 120)
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        XCTAssertTrue(run.stdout.contains("equal onnxruntime's"), run.stdout)
        XCTAssertTrue(run.stdout.contains("binary and JSON tensors agree (iris, diabetes, BYTES)"), run.stdout)
        XCTAssertTrue(run.stdout.contains("unload then load"), run.stdout)
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
    func testClassifyAndRegress() throws { try RESTSuite.classifyAndRegress(port) }
    func testTritonExtensions() throws { try RESTSuite.tritonExtensions(port) }
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
    func testClassifyAndRegress() throws { try RESTSuite.classifyAndRegress(port) }
    func testTritonExtensions() throws { try RESTSuite.tritonExtensions(port) }

    func testUnreachableUpstreamIs503() throws {
        // Port 1 (tcpmux) has no listener on a test machine: connecting is refused.
        let probe = try RESTAdapterProcess(upstreamPort: 1)
        let r = try RawHTTPClient(port: probe.port).call("POST", "/v1/models/iris:predict", body: RESTSuite.iris)
        XCTAssertEqual(r.status, 503, r.text)
        XCTAssertTrue(r.text.contains("upstream 127.0.0.1:1"), r.text)
    }
}
