import SwerveTestSupport
import REST
import Wire
import XCTest

/// Each route against a fake call handler: the JSON in, the Wire request
/// the handler sees, the JSON out.
final class RESTRoutesTests: FakeRESTServerTestCase {
    func testRowFormatPredictGivesOneObjectPerRowWithZipMapProbabilities() throws {
        let r = try client.call("POST", "/v1/models/iris:predict", body: #"{"instances": [[5.1, 3.5, 1.4, 0.2], [6.3, 3.3, 6.0, 2.5]]}"#)
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertEqual(r.text, #"{"predictions":[{"label":0,"probabilities":{"0":0.75,"1":0.125,"2":0.125}},{"label":2,"probabilities":{"0":0.0625,"1":0.0625,"2":0.875}}]}"#)
        guard case .predict(let p)? = server.handler.requests.last?.call else { return XCTFail("no predict call") }
        XCTAssertEqual(p.modelSpec.name, "iris")
        XCTAssertEqual(p.inputs.first?.name, "input")
        XCTAssertEqual(p.inputs.first?.tensor.shape, [2, 4])
        guard case .float(let values)? = p.inputs.first?.tensor.storage else { return XCTFail("not float") }
        XCTAssertEqual(values, [5.1, 3.5, 1.4, 0.2, 6.3, 3.3, 6.0, 2.5])
    }

    func testColumnarFormatPredictGivesOutputsByName() throws {
        let r = try client.call("POST", "/v1/models/iris/versions/1:predict", body: #"{"inputs": {"input": [[5.1, 3.5, 1.4, 0.2]]}}"#)
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertEqual(r.text, #"{"outputs":{"label":[0],"probabilities":[{"0":0.75,"1":0.125,"2":0.125}]}}"#)
        guard case .predict(let p)? = server.handler.requests.last?.call else { return XCTFail("no predict call") }
        XCTAssertEqual(p.modelSpec.version, 1)
    }

    func testOutputFilterWithOneOutputGivesPlainPredictions() throws {
        let r = try client.call("POST", "/v1/models/iris:predict", body: #"{"instances": [[5.1, 3.5, 1.4, 0.2]], "output_filter": ["label"]}"#)
        XCTAssertEqual(r.text, #"{"predictions":[0]}"#)
    }

    func testVersionLabelGoesIntoTheModelSpec() throws {
        _ = try client.call("POST", "/v1/models/iris/labels/stable:predict", body: #"{"instances": [[5.1, 3.5, 1.4, 0.2]]}"#)
        guard case .predict(let p)? = server.handler.requests.last?.call else { return XCTFail("no predict call") }
        XCTAssertEqual(p.modelSpec.versionLabel, "stable")
    }

    func testRowFormatWithNamedInputsBuildsOneTensorPerInput() throws {
        let r = try client.call("POST", "/v1/models/two-inputs:predict", body: #"{"instances": [{"a": [1, 2], "b": 3}, {"a": [4, 5], "b": 6}]}"#)
        XCTAssertEqual(r.status, 200, r.text)
        guard case .predict(let p)? = server.handler.requests.last?.call else { return XCTFail("no predict call") }
        XCTAssertEqual(p.inputs.map(\.name), ["a", "b"])
        XCTAssertEqual(p.inputs[0].tensor.shape, [2, 2])
        guard case .int64(let b) = p.inputs[1].tensor.storage else { return XCTFail("b is not int64") }
        XCTAssertEqual(b, [3, 6])
    }

    func testWrongShapesAndTypesAre400NamingTheProblem() throws {
        let ragged = try client.call("POST", "/v1/models/iris:predict", body: #"{"instances": [[5.1, 3.5, 1.4, 0.2], [1, 2]]}"#)
        XCTAssertEqual(ragged.status, 400)
        XCTAssertTrue(ragged.text.contains("has 2 elements, expected 4"), ragged.text)
        let wrongType = try client.call("POST", "/v1/models/iris:predict", body: #"{"instances": [[5.1, "x", 1.4, 0.2]]}"#)
        XCTAssertEqual(wrongType.status, 400)
        XCTAssertTrue(wrongType.text.contains("[0][1] is a string"), wrongType.text)
        let noInstances = try client.call("POST", "/v1/models/iris:predict", body: #"{"rows": []}"#)
        XCTAssertEqual(noInstances.status, 400)
        XCTAssertTrue(noInstances.text.contains("'instances'"), noInstances.text)
        let intForInt64 = try client.call("POST", "/v1/models/two-inputs:predict", body: #"{"instances": [{"a": [1, 2], "b": 3.5}]}"#)
        XCTAssertEqual(intForInt64.status, 400)
        XCTAssertTrue(intForInt64.text.contains("expected an integer"), intForInt64.text)
    }

    func testDeepFirstElementChainsAreRaggedNotAnOverflow() throws {
        // Each level's first element has two entries, the second does not:
        // the shape read from first elements would be [2, 2, ..., 2].
        var nested = "1"
        for _ in 0..<63 { nested = "[\(nested),0]" }
        let r = try client.call("POST", "/v1/models/iris:predict", body: "{\"inputs\": \(nested)}")
        XCTAssertEqual(r.status, 400, r.text)
        XCTAssertTrue(r.text.contains("ragged"), r.text)
    }

    func testMalformedJSONIs400WithTheOffset() throws {
        let r = try client.call("POST", "/v1/models/iris:predict", body: #"{"instances": [[5.1, 3.5,]]}"#)
        XCTAssertEqual(r.status, 400)
        XCTAssertTrue(r.text.contains("malformed JSON at byte"), r.text)
        let empty = try client.call("POST", "/predict", body: "")
        XCTAssertEqual(empty.status, 400)
    }

    func testStatusAndMetadataRoutes() throws {
        let status = try client.call("GET", "/v1/models/iris")
        XCTAssertEqual(status.text, #"{"model_version_status":[{"version":"1","state":"AVAILABLE","status":{"error_code":"OK","error_message":""}}]}"#)
        let metadata = try client.call("GET", "/v1/models/iris/versions/1/metadata")
        XCTAssertEqual(metadata.status, 200)
        XCTAssertTrue(metadata.text.contains(#""serving_default":{"inputs":{"input":{"name":"input","dtype":"DT_FLOAT""#), metadata.text)
        XCTAssertTrue(metadata.text.contains(#""class_labels":["setosa","versicolor","virginica"]"#), metadata.text)
    }

    func testUnknownModelsAndVersionsAre404() throws {
        XCTAssertEqual(try client.call("GET", "/v1/models/nope").status, 404)
        XCTAssertEqual(try client.call("GET", "/v1/models/iris/versions/7").status, 404)
        XCTAssertEqual(try client.call("POST", "/v1/models/nope:predict", body: #"{"instances": [[1,2,3,4]]}"#).status, 404)
        XCTAssertEqual(try client.call("POST", "/v2/models/nope/infer", body: #"{"inputs": []}"#).status, 404)
        XCTAssertEqual(try client.call("GET", "/v1/models/iris/versions/x").status, 400)
        XCTAssertEqual(try client.call("POST", "/v1/models/iris:explain", body: "{}").status, 404)
        XCTAssertEqual(try client.call("GET", "/no/such/route").status, 404)
    }

    func testEveryInternalStatusMapsToItsHTTPStatus() throws {
        let expected: [(StatusCode, Int)] = [(.invalidArgument, 400), (.notFound, 404), (.failedPrecondition, 409),
                                             (.resourceExhausted, 429), (.unimplemented, 501), (.unavailable, 503),
                                             (.deadlineExceeded, 504), (.internal, 500)]
        for (code, http) in expected {
            let r = try client.call("GET", "/v1/models/\(FakeCallHandler.failingModel(code))")
            XCTAssertEqual(r.status, http, "\(code)")
            XCTAssertEqual(r.text, #"{"error":"forced \#(code.protoName)"}"#)
            XCTAssertEqual(r.headers["content-type"], "application/json")
        }
    }

    func testWrongMethodIs405WithAllowAndWrongContentTypeIs415() throws {
        let r = try client.call("GET", "/v1/models/iris:predict")
        XCTAssertEqual(r.status, 405)
        XCTAssertEqual(r.headers["allow"], "POST")
        XCTAssertEqual(try client.call("DELETE", "/v2/health/live").status, 405)
        let csv = try client.call("POST", "/predict", body: "5.1,3.5,1.4,0.2", headers: ["Content-Type": "text/csv"])
        XCTAssertEqual(csv.status, 415)
        XCTAssertTrue(csv.text.contains("application/json"), csv.text)
        let withCharset = try client.call("POST", "/predict", body: #"{"data": [[5.1, 3.5, 1.4, 0.2]]}"#,
                                          headers: ["Content-Type": "application/json; charset=utf-8"])
        XCTAssertEqual(withCharset.status, 200)
    }

    func testPathTricksOnlyEverReachTheHandlerAsNames() throws {
        let dotdot = try client.call("GET", "/v1/models/..%2F..%2Fetc%2Fpasswd")
        XCTAssertEqual(dotdot.status, 404)
        guard case .getModelStatus(let g)? = server.handler.requests.last?.call else { return XCTFail("no status call") }
        XCTAssertEqual(g.modelSpec.name, "../../etc/passwd")
        XCTAssertEqual(try client.call("GET", "/v1/models/../models/iris").status, 404)
        XCTAssertEqual(try client.call("GET", "/v2/models/%2e%2e/ready").status, 404)
        XCTAssertEqual(try client.call("GET", "/v1/models/%zz").status, 400)
        XCTAssertEqual(try client.call("GET", "/v1/models/%C0%AF").status, 400, "invalid UTF-8 after decoding")
    }

    func testKServeRoutes() throws {
        XCTAssertEqual(try client.call("GET", "/v2/health/live").text, #"{"live":true}"#)
        XCTAssertEqual(try client.call("GET", "/v2/health/ready").status, 200)
        XCTAssertEqual(try client.call("GET", "/v2").text, #"{"name":"swerve","version":"test","extensions":["binary_tensor_data","model_repository","statistics","model_configuration"]}"#)
        XCTAssertEqual(try client.call("GET", "/v2/models/iris/versions/1/ready").text, #"{"name":"iris","ready":true}"#)
        let meta = try client.call("GET", "/v2/models/iris")
        XCTAssertTrue(meta.text.contains(#"{"name":"probabilities:labels","datatype":"INT64","shape":[3]}"#), meta.text)
        let infer = try client.call("POST", "/v2/models/iris/infer", body: """
            {"id": "r1", "inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP32", "data": [[5.1, 3.5, 1.4, 0.2]]}],
             "outputs": [{"name": "probabilities", "parameters": {"binary_data": false}}]}
            """)
        XCTAssertEqual(infer.status, 200, infer.text)
        XCTAssertEqual(infer.text, #"{"model_name":"iris","model_version":"1","id":"r1","outputs":[{"name":"probabilities","datatype":"FP32","shape":[1,3],"data":[0.75,0.125,0.125]}]}"#)
    }

    func testReadinessFollowsHealth() throws {
        server.handler.serving = false
        XCTAssertEqual(try client.call("GET", "/v2/health/ready").status, 503)
        XCTAssertEqual(try client.call("GET", "/health").status, 503)
        XCTAssertEqual(try client.call("GET", "/v2/health/live").status, 200, "live even while loading")
        server.handler.serving = true
        XCTAssertEqual(try client.call("GET", "/v2/health/ready").text, #"{"ready":true}"#)
    }

    func testRequestTimeoutHeaderBecomesTheCallsDeadline() throws {
        _ = try client.call("GET", "/v1/models/iris", headers: ["Request-Timeout-Ms": "250"])
        XCTAssertEqual(server.handler.requests.last?.timeoutMs, 250)
        _ = try client.call("GET", "/v1/models/iris")
        XCTAssertEqual(server.handler.requests.last?.timeoutMs, 0)
    }

    func testVersionedStatusAndInferRoutes() throws {
        XCTAssertEqual(try client.call("GET", "/v1/models/iris/versions/1").status, 200)
        guard case .getModelStatus(let g)? = server.handler.requests.last?.call else { return XCTFail("no status call") }
        XCTAssertEqual(g.modelSpec.version, 1)
        let infer = try client.call("POST", "/v2/models/iris/versions/1/infer", body: """
            {"inputs": [{"name": "input", "shape": [2, 4], "datatype": "FP32", "data": [5.1, 3.5, 1.4, 0.2, 6.3, 3.3, 6.0, 2.5]}],
             "outputs": [{"name": "label"}, {"name": "probabilities:labels"}]}
            """)
        XCTAssertEqual(infer.text, #"{"model_name":"iris","model_version":"1","outputs":[{"name":"label","datatype":"INT64","shape":[2],"data":[0,2]},{"name":"probabilities:labels","datatype":"INT64","shape":[3],"data":[0,1,2]}]}"#)
        guard case .predict(let p)? = server.handler.requests.last?.call else { return XCTFail("no predict call") }
        XCTAssertEqual(p.modelSpec.version, 1)
        XCTAssertEqual(p.outputFilter, ["label", "probabilities"], "X:labels is asked for through X")
    }

    func testKServeErrors() throws {
        let binary = try client.call("POST", "/v2/models/iris/infer", body: #"{"inputs": [], "outputs": [{"name": "label", "parameters": {"binary_data": "yes"}}]}"#)
        XCTAssertEqual(binary.status, 400)
        XCTAssertTrue(binary.text.contains("parameter 'binary_data' must be true or false, got a string"), binary.text)
        let header = try client.call("POST", "/v2/models/iris/infer", body: "{}", headers: ["Inference-Header-Content-Length": "1"])
        XCTAssertEqual(header.status, 400)
        XCTAssertTrue(header.text.contains("malformed JSON"), header.text)
        let count = try client.call("POST", "/v2/models/iris/infer", body: #"{"inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP32", "data": [1, 2, 3]}]}"#)
        XCTAssertEqual(count.status, 400)
        XCTAssertTrue(count.text.contains("has 3 values but shape [1, 4] needs 4"), count.text)
        let type = try client.call("POST", "/v2/models/iris/infer", body: #"{"inputs": [{"name": "input", "shape": [1], "datatype": "FP16", "data": [1]}]}"#)
        XCTAssertEqual(type.status, 400)
        XCTAssertTrue(type.text.contains("FP16"), type.text)
    }

    func testClassicRoutesOnTheDefaultModel() throws {
        let predict = try client.call("POST", "/predict", body: #"{"data": [[5.1, 3.5, 1.4, 0.2]]}"#)
        XCTAssertEqual(predict.text, #"{"prediction":[[0.75,0.125,0.125]]}"#)
        let label = try client.call("POST", "/predict/label", body: #"{"data": [[6.3, 3.3, 6.0, 2.5]]}"#)
        XCTAssertEqual(label.text, #"{"prediction":{"label":"virginica","proba":0.875}}"#)
        XCTAssertEqual(try client.call("GET", "/health").status, 200)
        XCTAssertTrue(try client.call("GET", "/health/all").text.contains(#""iris":{"status":"healthy""#))
        XCTAssertTrue(try client.call("GET", "/metadata").text.hasPrefix(#"{"model_name":"iris","model_version":1,"#))
    }

    func testJobRoutes() throws {
        let submit = try client.call("POST", "/v1/models/iris:submit", body: #"{"instances": [[5.1, 3.5, 1.4, 0.2]]}"#,
                                     headers: ["Idempotency-Key": "order-42"])
        XCTAssertEqual(submit.status, 202, submit.text)
        XCTAssertEqual(submit.text, #"{"job_id":"job-1"}"#)
        guard case .submit(let s)? = server.handler.requests.last?.call else { return XCTFail("no submit call") }
        XCTAssertEqual(s.idempotencyKey, "order-42")
        XCTAssertEqual(s.request.inputs.first?.tensor.shape, [1, 4])

        let done = try client.call("GET", "/v1/jobs/job-1")
        XCTAssertEqual(done.text, #"{"job_id":"job-1","status":"completed","result":{"predictions":[{"label":0,"probabilities":{"0":0.75,"1":0.125,"2":0.125}}]},"error":null}"#)
        XCTAssertEqual(try client.call("GET", "/v1/jobs/job-pending").text, #"{"job_id":"job-pending","status":"pending","result":null,"error":null}"#)
        XCTAssertEqual(try client.call("GET", "/v1/jobs/job-failed").text,
                       #"{"job_id":"job-failed","status":"failed","result":null,"error":"INVALID_ARGUMENT: input 'input' has the wrong shape"}"#)
        XCTAssertEqual(try client.call("GET", "/v1/jobs/unknown").status, 404)
        let calls = server.handler.requests.count
        XCTAssertEqual(try client.call("GET", "/v1/jobs/bad%20id%3B").status, 404)
        XCTAssertEqual(try client.call("GET", "/v1/jobs/" + String(repeating: "a", count: 200)).status, 404)
        XCTAssertEqual(server.handler.requests.count, calls, "malformed ids never reach the job service")

        let classic = try client.call("POST", "/submit", body: #"{"data": [[5.1, 3.5, 1.4, 0.2]]}"#)
        XCTAssertEqual(classic.status, 202)
        XCTAssertEqual(try client.call("GET", "/job/job-1").text,
                       #"{"job_id":"job-1","status":"completed","result":{"prediction":[[0.75,0.125,0.125]]},"error":null}"#)
    }

    func testMetricsPageCountsRequestsInPrometheusFormat() throws {
        _ = try client.call("POST", "/v1/models/iris:predict", body: #"{"instances": [[5.1, 3.5, 1.4, 0.2]]}"#)
        _ = try client.call("GET", "/v1/models/nope")
        server.server.metrics.setGauge("swerve_job_queue_depth", help: "Jobs waiting.", value: 3)
        server.server.metrics.addCounter("swerve_fanout_member_errors_total", help: "Member call failures.", labels: [("member", "setosa")], by: 2)
        server.server.metrics.addCollector { "# HELP swerve_jobs Jobs by state.\n# TYPE swerve_jobs gauge\nswerve_jobs{state=\"pending\"} 5" }
        let page = try client.call("GET", "/metrics")
        XCTAssertEqual(page.status, 200)
        XCTAssertEqual(page.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8")
        let text = page.text
        XCTAssertTrue(text.contains(#"swerve_rest_requests_total{route="predict",model="iris",version="1",status="200"} 1"#), text)
        XCTAssertTrue(text.contains(#"swerve_rest_requests_total{route="model_status",model="",version="",status="404"} 1"#), text)
        XCTAssertTrue(text.contains(#"swerve_rest_request_duration_seconds_count{route="predict"} 1"#), text)
        XCTAssertTrue(text.contains("swerve_rest_in_flight_requests 1"), "the metrics call itself is in flight:\n\(text)")
        XCTAssertTrue(text.contains("# TYPE swerve_job_queue_depth gauge\nswerve_job_queue_depth 3\n"), text)
        XCTAssertTrue(text.contains(#"swerve_fanout_member_errors_total{member="setosa"} 2"#), text)
        XCTAssertTrue(text.contains("swerve_jobs{state=\"pending\"} 5\n"), text)
        XCTAssertTrue(text.contains(#"swerve_model_version_state{model="iris",version="1",state="AVAILABLE"} 1"#), text)
        XCTAssertEqual(try client.call("GET", "/monitoring/prometheus/metrics").status, 200)
    }
}

final class RESTMemberHealthTests: XCTestCase {
    func testHealthAllListsFanOutMembersAndCountsThem() throws {
        let healthy = MemberHealth(model: "iris-fanout", member: "setosa", address: "member-setosa:8500", healthy: true)
        let sick = MemberHealth(model: "iris-fanout", member: "virginica", address: "member-virginica:8500", healthy: false,
                                message: "connect refused")
        let up = try FakeRESTServer(members: FakeMembers(members: [healthy]))
        defer { up.shutdown() }
        let ok = try up.client().call("GET", "/health/all")
        XCTAssertEqual(ok.status, 200)
        XCTAssertTrue(ok.text.contains(#""members":[{"model":"iris-fanout","member":"setosa","address":"member-setosa:8500","status":"healthy"}],"status":"healthy"}"#), ok.text)

        let down = try FakeRESTServer(members: FakeMembers(members: [healthy, sick]))
        defer { down.shutdown() }
        let degraded = try down.client().call("GET", "/health/all")
        XCTAssertEqual(degraded.status, 503)
        XCTAssertTrue(degraded.text.contains(#""member":"virginica","address":"member-virginica:8500","status":"unhealthy","error":"connect refused"}"#), degraded.text)
        XCTAssertTrue(degraded.text.hasSuffix(#""status":"degraded"}"#), degraded.text)
    }
}
