import Foundation
import ModelRuntime
import SwerveTestSupport
import Transport
import Wire
import XCTest

/// Where swerve is itself a client: the CLI, `swerve rest --upstream` and
/// the fan-out front calling its members.
final class AuthClientProcessTests: AuthTestCase {
    func testCLISendsTokenFromFlagOrEnvironment() throws {
        let server = try SwerveProcess(models: root.appendingPathComponent("repo"), arguments: ["--auth-tokens", tokenFile.path])
        let status = ["status", "--server", "127.0.0.1:\(server.port)", "--model", "iris"]
        let refused = try runCommand(TestPaths.swerveBinary, status)
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("UNAUTHENTICATED"), refused.stderr)
        let denied = try runCommand(TestPaths.swerveBinary, status + ["--token", "jobs-token"])
        XCTAssertEqual(denied.status, 1)
        XCTAssertTrue(denied.stderr.contains("PERMISSION_DENIED"), denied.stderr)
        let flag = try runCommand(TestPaths.swerveBinary, status + ["--token", "predict-token"])
        XCTAssertEqual(flag.status, 0, flag.stderr)
        XCTAssertTrue(flag.stdout.contains("AVAILABLE"), flag.stdout)
        let environment = try runCommand(TestPaths.swerveBinary, status, environment: ["SWERVE_TOKEN": "predict-token"])
        XCTAssertEqual(environment.status, 0, environment.stderr)
    }

    func testRESTAdapterForwardsTheCallersTokenOrItsOwn() throws {
        let server = try SwerveProcess(models: root.appendingPathComponent("repo"),
                                       arguments: ["--auth-tokens", tokenFile.path, "--rest-port", "0"])
        let forwarding = try RESTAdapterProcess(upstreamPort: server.port)
        let c = try RawHTTPClient(port: forwarding.port)
        XCTAssertEqual(try c.call("GET", "/v1/models/iris").status, 401)
        XCTAssertEqual(try c.call("GET", "/v1/models/iris", headers: ["Authorization": "Bearer jobs-token"]).status, 403)
        XCTAssertEqual(try c.call("GET", "/v1/models/iris", headers: ["Authorization": "Bearer predict-token"]).status, 200)

        let own = try RESTAdapterProcess(upstreamPort: server.port, arguments: ["--upstream-token", "predict-token"])
        let d = try RawHTTPClient(port: own.port)
        XCTAssertEqual(try d.call("GET", "/v1/models/iris").status, 200)
        XCTAssertEqual(try d.call("GET", "/v1/models/iris", headers: ["Authorization": "Bearer wrong-token"]).status, 200,
                       "--upstream-token replaces whatever the caller sent")
    }

    func testFanOutFrontCallsItsMembersWithTheMemberToken() throws {
        let memberTokens = root.appendingPathComponent("member-tokens")
        XCTAssertTrue(FileManager.default.createFile(atPath: memberTokens.path, contents: Data("front-secret predict\n".utf8),
                                       attributes: [.posixPermissions: 0o600]))
        let topology = try FanOutTopology(testName: "auth-fanout", memberArguments: ["--auth-tokens", memberTokens.path],
                                          aggregatorArguments: ["--member-token", "front-secret"])
        defer { topology.stop() }
        let row = RequestFrames.predictIris(id: 1, model: "iris-collect")
        let answer = try topology.aggregatorClient().roundTrip(row)
        XCTAssertEqual(answer.status.code, .ok, answer.status.message)
        // A member refuses a caller without the token.
        let direct = try topology.memberClient(0).roundTrip(RequestFrames.predictIris(id: 2, model: "iris-setosa"))
        XCTAssertEqual(direct.status.code, .unauthenticated)
    }

    func testWorkerMetricsPortNeedsTheMetricsScope() throws {
        let redis = try RedisServerProcess()
        let worker = try SwerveWorkerProcess(models: root.appendingPathComponent("repo"), queue: redis.url,
                                             arguments: ["--workers", "1", "--metrics-port", "0", "--auth-tokens", tokenFile.path])
        let port = try XCTUnwrap(worker.metricsPort)
        // The endpoint answers one request per connection.
        let none = try RawHTTPClient(port: port).call("GET", "/metrics")
        XCTAssertEqual(none.status, 401, none.text)
        XCTAssertEqual(none.headers["www-authenticate"], #"Bearer realm="swerve""#)
        XCTAssertEqual(try RawHTTPClient(port: port).call("GET", "/metrics", headers: ["Authorization": "Bearer predict-token"]).status, 403)
        let scrape = try RawHTTPClient(port: port).call("GET", "/metrics", headers: ["authorization": "bearer metrics-token"])
        XCTAssertEqual(scrape.status, 200, scrape.text)
        XCTAssertTrue(scrape.text.contains("swerve_worker_jobs_completed_total"), scrape.text)
    }
}
