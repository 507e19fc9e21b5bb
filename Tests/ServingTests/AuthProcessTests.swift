import Foundation
import ModelRuntime
import SwerveTestSupport
import Transport
import Wire
import XCTest

/// `swerve serve --auth-tokens`: every REST route family and every binary
/// call without a token, with an unknown one, with one lacking the scope and
/// with the right one; health open; SIGHUP swapping tokens under open
/// connections; a world-readable file refused; the rate limit per token.
final class AuthProcessTests: AuthTestCase {
    private func startServer(_ extra: [String] = []) throws -> SwerveProcess {
        try SwerveProcess(models: root.appendingPathComponent("repo"),
                          arguments: ["--auth-tokens", tokenFile.path, "--repository-control", "both"] + extra)
    }

    private func bearer(_ token: String?) -> [String: String] {
        token.map { ["Authorization": "Bearer \($0)"] } ?? [:]
    }

    // MARK: REST

    func testEveryRESTRouteFamilyAnswers401403Or200ByToken() throws {
        let server = try startServer()
        let port = try XCTUnwrap(server.restPort)
        let c = try RawHTTPClient(port: port)
        let iris = #"{"instances": [[5.1, 3.5, 1.4, 0.2]]}"#
        let infer = #"{"inputs": [{"name": "input", "shape": [1, 4], "datatype": "FP32", "data": [5.1, 3.5, 1.4, 0.2]}]}"#
        // (method, path, body, the token lacking the scope, the token having it, status with the right one)
        let routes: [(String, String, String?, String, String, Int)] = [
            ("POST", "/v1/models/iris:predict", iris, "jobs-token", "predict-token", 200),
            ("POST", "/v2/models/iris/infer", infer, "metrics-token", "predict-token", 200),
            ("POST", "/predict", #"{"data": [[5.1, 3.5, 1.4, 0.2]]}"#, "jobs-token", "predict-token", 200),
            ("GET", "/v1/models/iris", nil, "jobs-token", "predict-token", 200),
            ("GET", "/v1/models/iris/metadata", nil, "jobs-token", "predict-token", 200),
            ("GET", "/v2/models/iris", nil, "admin-less", "predict-token", 200),
            ("GET", "/v2/models/iris/stats", nil, "jobs-token", "predict-token", 200),
            ("POST", "/v2/repository/index", "{}", "jobs-token", "predict-token", 200),
            ("POST", "/v1/models/iris:submit", iris, "predict-token", "jobs-token", 202),
            ("GET", "/v1/jobs/0123456789abcdef0123456789abcdef", nil, "predict-token", "jobs-token", 404),
            ("POST", "/v2/repository/models/iris/load", nil, "predict-token", "all-token", 200),
            ("GET", "/metrics", nil, "predict-token", "metrics-token", 200),
        ]
        for (method, path, body, under, right, expected) in routes {
            let none = try c.call(method, path, body: body)
            XCTAssertEqual(none.status, 401, "\(path) without a token: \(none.text)")
            XCTAssertEqual(none.headers["www-authenticate"], #"Bearer realm="swerve""#, path)
            XCTAssertEqual(try c.call(method, path, body: body, headers: bearer("wrong-token")).status, 401, "\(path) with a wrong token")
            XCTAssertEqual(try c.call(method, path, body: body, headers: ["Authorization": "Basic YWxsLXRva2VuOg=="]).status, 401,
                           "\(path) with another scheme")
            if under != "admin-less" {
                let denied = try c.call(method, path, body: body, headers: bearer(under))
                XCTAssertEqual(denied.status, 403, "\(path) with \(under): \(denied.text)")
            }
            let allowed = try c.call(method, path, body: body, headers: bearer(right))
            XCTAssertEqual(allowed.status, expected, "\(path) with \(right): \(allowed.text)")
        }
        // Health and readiness stay open.
        for path in ["/v2/health/ready", "/v2/health/live", "/health", "/v2"] {
            XCTAssertEqual(try c.call("GET", path).status, 200, path)
        }
        // Refusals are counted per remote host, and no token reaches the log.
        let metrics = try c.call("GET", "/metrics", headers: bearer("metrics-token")).text
        XCTAssertTrue(metrics.contains(#"swerve_auth_refused_total{peer="127.0.0.1",reason="unauthenticated"}"#), metrics)
        XCTAssertTrue(metrics.contains(#"swerve_auth_refused_total{peer="127.0.0.1",reason="permission_denied"}"#), metrics)
        XCTAssertTrue(server.standardError.contains("refused call="), server.standardError)
        for token in ["wrong-token", "jobs-token", "predict-token", "all-token"] {
            XCTAssertFalse(server.standardError.contains(token), "the log shows \(token)")
        }
    }

    func testMetricsPublicOpensOnlyTheMetricsPage() throws {
        let server = try startServer(["--metrics-public"])
        let c = try RawHTTPClient(port: try XCTUnwrap(server.restPort))
        XCTAssertEqual(try c.call("GET", "/metrics").status, 200)
        XCTAssertEqual(try c.call("GET", "/v1/models/iris").status, 401)
    }

    // MARK: Binary protocol

    func testEveryBinaryCallAnswersUnauthenticatedPermissionDeniedOrOK() throws {
        let server = try startServer()
        let client = try BlockingFrameClient(host: "127.0.0.1", port: server.port, connectTimeout: .seconds(10), ioTimeout: .seconds(30))
        let spec = ModelSpec(name: "iris")
        let predict = PredictRequest(modelSpec: spec, inputs: [NamedTensor("input", Tensor(shape: [1, 4], floats: RequestFrames.irisRow))])
        // (call, a token lacking its scope, one having it, the expected code with it)
        let calls: [(Request.Call, String?, String, StatusCode)] = [
            (.predict(predict), "jobs-token", "predict-token", .ok),
            (.getModelStatus(GetModelStatusRequest(modelSpec: spec)), "metrics-token", "predict-token", .ok),
            (.getModelMetadata(GetModelMetadataRequest(modelSpec: spec)), "jobs-token", "predict-token", .ok),
            (.getModelStatistics(GetModelStatisticsRequest(modelSpec: spec)), "jobs-token", "predict-token", .ok),
            (.listModels(ListModelsRequest()), "jobs-token", "predict-token", .ok),
            (.submit(SubmitRequest(request: predict, idempotencyKey: "")), "predict-token", "jobs-token", .ok),
            (.getJob(GetJobRequest(jobId: "0123456789abcdef0123456789abcdef")), "predict-token", "jobs-token", .notFound),
            (.loadModel(ModelControlRequest(name: "iris")), "predict-token", "all-token", .ok),
            (.unloadModel(ModelControlRequest(name: "iris")), "jobs-token", "all-token", .ok),
        ]
        var id: UInt64 = 0
        func code(_ call: Request.Call, _ token: String?) throws -> (StatusCode, String) {
            id += 1
            let response = try client.roundTrip(Request(id: id, call: call, authToken: token))
            XCTAssertEqual(response.id, id)
            return (response.status.code, response.status.message)
        }
        for (call, under, right, expected) in calls {
            XCTAssertEqual(try code(call, nil).0, .unauthenticated, call.name)
            XCTAssertEqual(try code(call, "wrong-token").0, .unauthenticated, call.name)
            if let under {
                let (denied, message) = try code(call, under)
                XCTAssertEqual(denied, .permissionDenied, "\(call.name): \(message)")
            }
            let (allowed, message) = try code(call, right)
            XCTAssertEqual(allowed, expected, "\(call.name) with \(right): \(message)")
        }
        XCTAssertEqual(try code(.health(HealthRequest()), nil).0, .ok, "health stays open")
        XCTAssertFalse(server.standardError.contains("predict-token"))
    }

    // MARK: Reload and refusal

    func testSIGHUPAddsAndRemovesTokensWhileConnectionsStayOpen() throws {
        let server = try startServer()
        let http = try RawHTTPClient(port: try XCTUnwrap(server.restPort))
        let binary = try BlockingFrameClient(host: "127.0.0.1", port: server.port, connectTimeout: .seconds(10), ioTimeout: .seconds(30))
        let status = Request.Call.getModelStatus(GetModelStatusRequest(modelSpec: ModelSpec(name: "iris")))
        func binaryCode(_ token: String) throws -> StatusCode {
            try binary.roundTrip(Request(id: 1, call: status, authToken: token)).status.code
        }
        XCTAssertEqual(try http.call("GET", "/v1/models/iris", headers: bearer("predict-token")).status, 200)
        XCTAssertEqual(try http.call("GET", "/v1/models/iris", headers: bearer("fresh-token")).status, 401)
        XCTAssertEqual(try binaryCode("predict-token"), .ok)

        try writeTokens("all-token *\nfresh-token predict\n")
        server.send(SIGHUP)
        try waitUntil("the fresh token works on the open REST connection") {
            try http.call("GET", "/v1/models/iris", headers: bearer("fresh-token")).status == 200
        }
        XCTAssertEqual(try http.call("GET", "/v1/models/iris", headers: bearer("predict-token")).status, 401)
        XCTAssertEqual(try binaryCode("fresh-token"), .ok)
        XCTAssertEqual(try binaryCode("predict-token"), .unauthenticated)

        // A broken file keeps the table in force and says why.
        try writeTokens("fresh-token predict,everything\n")
        server.send(SIGHUP)
        waitUntil("the reload error is logged") { server.standardError.contains("auth tokens not reloaded") }
        XCTAssertTrue(server.standardError.contains("line 1: unknown scope 'everything'"), server.standardError)
        XCTAssertEqual(try http.call("GET", "/v1/models/iris", headers: bearer("fresh-token")).status, 200)
        XCTAssertEqual(try binaryCode("fresh-token"), .ok)
    }

    func testWorldReadableTokenFileIsRefusedAtStart() throws {
        try writeTokens(Self.tokens, mode: 0o644)
        let result = try runCommand(TestPaths.swerveBinary, [
            "serve", "--models", root.appendingPathComponent("repo").path, "--port", "0", "--rest-port", "0",
            "--auth-tokens", tokenFile.path,
        ])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("is readable by every user (mode 644)"), result.stderr)
    }

    // MARK: Rate limit

    func testClientOverItsRateIsRefusedAndOthersAreNot() throws {
        try writeTokens(Self.tokens + "second-token predict\n")
        let server = try startServer(["--rate-limit", "5"])
        let http = try RawHTTPClient(port: try XCTUnwrap(server.restPort))
        var statuses: [Int] = []
        var retryAfter: String?
        for _ in 0..<20 {
            let r = try http.call("GET", "/v1/models/iris", headers: bearer("predict-token"))
            statuses.append(r.status)
            if r.status == 429 { retryAfter = r.headers["retry-after"] }
        }
        XCTAssertTrue(statuses.contains(429), "\(statuses)")
        XCTAssertEqual(retryAfter, "1")
        // Another token has its own bucket.
        XCTAssertEqual(try http.call("GET", "/v1/models/iris", headers: bearer("all-token")).status, 200)

        let binary = try BlockingFrameClient(host: "127.0.0.1", port: server.port, connectTimeout: .seconds(10), ioTimeout: .seconds(30))
        let call = Request.Call.getModelStatus(GetModelStatusRequest(modelSpec: ModelSpec(name: "iris")))
        var codes: [StatusCode] = []
        for i in 0..<20 { codes.append(try binary.roundTrip(Request(id: UInt64(i), call: call, authToken: "second-token")).status.code) }
        XCTAssertTrue(codes.contains(.resourceExhausted), "\(codes)")
        XCTAssertEqual(codes.first, .ok)
        XCTAssertEqual(try binary.roundTrip(Request(id: 99, call: call, authToken: "all-token")).status.code, .ok)
        let metrics = try http.call("GET", "/metrics", headers: bearer("metrics-token")).text
        XCTAssertTrue(metrics.contains(#"swerve_auth_refused_total{peer="127.0.0.1",reason="rate_limited"}"#), metrics)
    }

    func testConnectionsPerAddressAreCappedOnBothPorts() throws {
        let server = try startServer(["--max-connections-per-address", "2"])
        func binary() throws -> BlockingFrameClient {
            try BlockingFrameClient(host: "127.0.0.1", port: server.port, connectTimeout: .seconds(10), ioTimeout: .seconds(30))
        }
        let health = Request(id: 7, call: .health(HealthRequest()))
        let first = try binary(), second = try binary()
        XCTAssertEqual(try first.roundTrip(health).status.code, .ok)
        XCTAssertEqual(try second.roundTrip(health).status.code, .ok)
        let third = try binary()
        XCTAssertEqual(try third.roundTrip(health).status.code, .resourceExhausted)
        second.close()
        waitUntil("a connection is free again after one closed") {
            (try? binary().roundTrip(health).status.code) == .ok
        }

        let port = try XCTUnwrap(server.restPort)
        let a = try RawHTTPClient(port: port), b = try RawHTTPClient(port: port)
        XCTAssertEqual(try a.call("GET", "/v2/health/live").status, 200)
        XCTAssertEqual(try b.call("GET", "/v2/health/live").status, 200)
        let c = try RawHTTPClient(port: port)
        XCTAssertThrowsError(try c.call("GET", "/v2/health/live"), "the third REST connection is closed")
    }
}
