import SwerveTestSupport
import Foundation
import ModelRuntime
import SwerveClient
import TLS
import Wire
import XCTest

/// docker-compose.yml's topology as local processes (`scripts/topology.sh`),
/// every port moved to a free one: Redis, three fan-out members, the
/// aggregator front, two workers and the standalone REST adapter. Every hop
/// but Redis runs over mutual TLS (certificates from ``TestCertificates``),
/// set through the flags' SWERVE_* variables, and every service checks
/// tokens (`SWERVE_AUTH_TOKENS`): the front calls its members with
/// `SWERVE_MEMBER_TOKEN`, the REST adapter forwards the caller's token.
final class TopologyEndToEndTests: XCTestCase {
    private var certificates: TestCertificates!
    private var runDirectory: URL!
    private var environment: [String: String] = [:]
    private var restPort = 0
    private var binaryPort = 0
    private static let token = "topology-secret-7f3a"

    override func setUpWithError() throws {
        runDirectory = try TestPaths.temporaryDirectory("topology")
        let ports = try (0..<8).map { _ in try FanOutTest.freeLoopbackPort() }
        restPort = ports[2]
        binaryPort = ports[1]
        let tokens = runDirectory.appendingPathComponent("tokens")
        XCTAssertTrue(FileManager.default.createFile(atPath: tokens.path, contents: Data("\(Self.token) *\n".utf8),
                                                    attributes: [.posixPermissions: 0o600]))
        environment = [
            "SWERVE_AUTH_TOKENS": tokens.path,
            "SWERVE_MEMBER_TOKEN": Self.token,
            "SWERVE_TOKEN": Self.token,
            "SWERVE_BIN": TestPaths.swerveBinary.path,
            "SWERVE_RUN_DIR": runDirectory.path,
            "SWERVE_REDIS_PORT": String(ports[0]),
            "SWERVE_PORT": String(ports[1]),
            "SWERVE_REST_PORT": String(ports[2]),
            "SWERVE_MEMBER_PORTS": ports[3...5].map(String.init).joined(separator: ","),
            "SWERVE_WORKER_METRICS_PORTS": ports[6...7].map(String.init).joined(separator: ","),
            // A killed worker's jobs go to the other one after this many
            // seconds; a slower (sanitized) worker needs longer to finish one.
            "SWERVE_VISIBILITY_TIMEOUT": String(Int((2 * TestTiming.scale).rounded())),
        ]
        certificates = try TestCertificates()
        for prefix in ["", "MEMBER_", "UPSTREAM_"] {
            environment["SWERVE_\(prefix)TLS_CA"] = certificates.caCertificate
            environment["SWERVE_\(prefix)TLS_CLIENT_CERT"] = certificates.clientCertificate
            environment["SWERVE_\(prefix)TLS_CLIENT_KEY"] = certificates.clientKey
        }
        environment["SWERVE_TLS_CERT"] = certificates.serverCertificate
        environment["SWERVE_TLS_KEY"] = certificates.serverKey
        environment["SWERVE_TLS_CLIENT_CA"] = certificates.caCertificate
        let up = try topology("up", timeout: 240)
        XCTAssertEqual(up.status, 0, "topology up failed:\n\(up.stdout)\n\(up.stderr)")
        if up.status != 0 { throw ProcessFailure("topology did not come up") }
    }

    override func tearDownWithError() throws {
        let pids = try pidsStarted()
        let down = try topology("down", timeout: 120)
        XCTAssertEqual(down.status, 0, down.stderr)
        // `down` stops exactly what `up` started: nothing is left behind.
        for (name, pid) in pids {
            XCTAssertNotEqual(kill(pid, 0), 0, "\(name) (pid \(pid)) still runs after topology down")
        }
        try? FileManager.default.removeItem(at: runDirectory)
        certificates?.remove()
    }

    func testRequestsFlowThroughEveryPartAndSurviveFailures() throws {
        // Every part checks tokens: a caller without one is refused at the front door.
        let refused = try curl(["-H", "Content-Type: application/json", "-d", #"{"instances": [[5.1, 3.5, 1.4, 0.2]]}"#,
                                "https://127.0.0.1:\(restPort)/v1/models/iris-ovr:predict"])
        XCTAssertEqual(refused.status, 401, refused.body)
        // REST → aggregator → members: the fan-out answers with the species.
        let ovr = try postJSON("/v1/models/iris-ovr:predict", #"{"instances": [[5.1, 3.5, 1.4, 0.2]]}"#)
        XCTAssertEqual(ovr.status, 200, ovr.body)
        XCTAssertTrue(ovr.body.contains(#""label":"setosa""#), ovr.body)
        // REST → aggregator's own iris model.
        let iris = try postJSON("/v1/models/iris:predict", #"{"instances": [[6.3, 3.3, 6.0, 2.5]]}"#)
        XCTAssertEqual(iris.status, 200, iris.body)
        XCTAssertTrue(iris.body.contains(#""label":2"#), iris.body)

        // Submit over REST; a worker runs it from Redis; the result matches Predict.
        let jobID = try submit(#"{"instances": [[6.3, 3.3, 6.0, 2.5]]}"#, model: "iris")
        let job = try waitForJob(jobID)
        XCTAssertTrue(job.contains(#""status":"completed""#), job)
        XCTAssertTrue(job.contains(iris.body.dropFirst().dropLast()), "job result \(job) differs from predict \(iris.body)")

        // Kill a worker in the middle of a job: the job still completes, run
        // again by the other worker. Worker 2 is paused so that worker 1 takes
        // the jobs; each carries 100,000 rows, so a job stays PROCESSING long
        // enough to be seen, and worker 1 is killed as soon as one is.
        let pids = try pidsStarted()
        let worker1 = try XCTUnwrap(pids["worker-1"])
        let worker2 = try XCTUnwrap(pids["worker-2"])
        kill(worker2, SIGSTOP)
        defer { kill(worker2, SIGCONT) }
        let tls = try TLSClientContext(TLSClientConfiguration(caFile: certificates.caCertificate,
                                                              certificateFile: certificates.clientCertificate,
                                                              privateKeyFile: certificates.clientKey))
        let client = try SwerveClient(address: ServerAddress(host: "127.0.0.1", port: binaryPort), tls: tls,
                                       token: Self.token)
        defer { client.close() }
        let rows = 100_000
        let heavy = Tensor(shape: [rows, 4], floats: (0..<rows).flatMap { i in [4.5 + Float(i % 30) * 0.1, 3.0, 4.0, 1.2] })
        let jobIDs = try (0..<3).map { _ in
            try client.submit(PredictRequest(modelSpec: ModelSpec(name: "iris"), inputs: [NamedTensor("input", heavy)]))
        }
        var interrupted = ""
        try waitUntil("worker 1 is running a job", timeout: 60) {
            for id in jobIDs where try client.getJob(id).state == .processing {
                interrupted = id
                return true
            }
            return false
        }
        kill(worker1, SIGKILL)
        kill(worker2, SIGCONT)
        for id in jobIDs {
            try waitUntil("job \(id) completed", timeout: 120) { try client.getJob(id).state == .completed }
        }
        let rerun = try client.getJob(interrupted)
        XCTAssertGreaterThanOrEqual(rerun.attempts, 2, "the interrupted job was not run again by the other worker")
        guard case .int64(let labels)? = rerun.result?.output(named: "label")?.storage else {
            return XCTFail("the interrupted job has no label output")
        }
        XCTAssertEqual(labels.count, rows)

        // Kill a member: best-effort answers from the other two and names the dead one.
        kill(try XCTUnwrap(pids["member-setosa"]), SIGKILL)
        let partial = try postJSON("/v1/models/iris-ovr-best-effort:predict", #"{"instances": [[6.3, 3.3, 6.0, 2.5]]}"#)
        XCTAssertEqual(partial.status, 200, partial.body)
        XCTAssertTrue(partial.body.contains("setosa:"), "no error naming the dead member: \(partial.body)")
        XCTAssertTrue(partial.body.contains(#""label":"virginica""#), partial.body)
        // require_all refuses, naming it.
        let whole = try postJSON("/v1/models/iris-ovr:predict", #"{"instances": [[6.3, 3.3, 6.0, 2.5]]}"#)
        XCTAssertEqual(whole.status, 503, whole.body)
        XCTAssertTrue(whole.body.contains("setosa"), whole.body)
    }

    // MARK: Helpers

    private func topology(_ verb: String, timeout: TimeInterval) throws -> (status: Int32, stdout: String, stderr: String) {
        try runCommand(URL(fileURLWithPath: "/bin/bash"),
                       [TestPaths.repositoryRoot.appendingPathComponent("scripts/topology.sh").path, verb],
                       environment: environment, timeout: timeout)
    }

    private func pidsStarted() throws -> [String: Int32] {
        var pids: [String: Int32] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: runDirectory.path) where file.hasSuffix(".pid") {
            let text = try String(contentsOf: runDirectory.appendingPathComponent(file), encoding: .utf8)
            if let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                pids[String(file.dropLast(4))] = pid
            }
        }
        return pids
    }

    private func curl(_ arguments: [String]) throws -> (status: Int, body: String) {
        let result = try runCommand(URL(fileURLWithPath: "/usr/bin/curl"),
                                    ["-sS", "--max-time", "30", "-w", "\n%{http_code}", "--cacert", certificates.caCertificate,
                                     "--cert", certificates.clientCertificate, "--key", certificates.clientKey] + arguments)
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    private func postJSON(_ path: String, _ body: String) throws -> (status: Int, body: String) {
        try curl(["-H", "Content-Type: application/json", "-H", "Authorization: Bearer \(Self.token)", "-d", body,
                  "https://127.0.0.1:\(restPort)\(path)"])
    }

    private func submit(_ body: String, model: String) throws -> String {
        let response = try postJSON("/v1/models/\(model):submit", body)
        XCTAssertEqual(response.status, 202, response.body)
        let object = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]
        return try XCTUnwrap(object?["job_id"] as? String, response.body)
    }

    /// Polls GET /v1/jobs/ID until the job finished (completed or failed).
    private func waitForJob(_ id: String, timeout: TimeInterval = 30) throws -> String {
        var last = ""
        try waitUntil("job \(id) finished (last: \(last))", timeout: timeout) {
            last = try curl(["-H", "Authorization: Bearer \(Self.token)", "https://127.0.0.1:\(restPort)/v1/jobs/\(id)"]).body
            return last.contains(#""status":"completed""#) || last.contains(#""status":"failed""#)
        }
        return last
    }
}
