import Foundation
import SwerveTestSupport
import XCTest

/// The heap allocation count scripts/profile.sh reports: scripts/malloc-counter.c
/// preloaded into a real `swerve serve`, read from outside by
/// `swerve-bench --server-pid` around its measured window.
final class AllocationCounterProcessTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try TestPaths.temporaryDirectory("malloc-counter")
    }

    override func tearDown() {
        if let directory { try? FileManager.default.removeItem(at: directory) }
        super.tearDown()
    }

    private var bench: URL { TestPaths.swerveBinary.deletingLastPathComponent().appendingPathComponent("swerve-bench") }

    /// Compiles the counter as profile.sh does.
    private func buildCounter() throws -> URL {
        let library = directory.appendingPathComponent("malloc-counter.so")
        let source = TestPaths.repositoryRoot.appendingPathComponent("scripts/malloc-counter.c")
        let compile = try runCommand(URL(fileURLWithPath: "/usr/bin/env"),
                                     ["cc", "-O2", "-shared", "-fPIC", "-o", library.path, source.path])
        XCTAssertEqual(compile.status, 0, "cc failed: \(compile.stderr)")
        return library
    }

    /// Closed-loop binary Predict for a second with `--server-pid`; the JSON report.
    private func loadOneSecond(_ server: FanOutServerProcess) throws -> (stdout: String, json: [String: Any]) {
        let path = directory.appendingPathComponent("bench.json").path
        let run = try runCommand(bench, ["--target", "127.0.0.1:\(server.port)", "--model", "iris", "--connections", "2",
                                         "--duration", "1", "--warmup", "0", "--quiet",
                                         "--server-pid", "\(server.process.processIdentifier)", "--json", path])
        XCTAssertEqual(run.status, 0, run.stderr)
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
        return (run.stdout, try XCTUnwrap(object as? [String: Any]))
    }

    func testSwerveBenchReportsTheServersAllocationsPerRequest() throws {
        // A sanitized swerve carries the sanitizer's malloc in its executable,
        // which a preloaded library cannot interpose: there is nothing to count.
        if let sanitizer = ProcessInfo.processInfo.environment["SWERVE_SANITIZER"] {
            throw XCTSkip("swerve is built with --sanitize \(sanitizer) (scripts/sanitizer-tests.sh)")
        }
        let server = try FanOutServerProcess(models: TestPaths.models, arguments: [],
                                             environment: ["LD_PRELOAD": try buildCounter().path])
        let counterFile = "/dev/shm/swerve-mallocs.\(server.process.processIdentifier)"
        XCTAssertTrue(FileManager.default.fileExists(atPath: counterFile), "the preloaded counter keeps \(counterFile)")

        let (stdout, json) = try loadOneSecond(server)
        let requests = try XCTUnwrap((json["requests_ok"] as? NSNumber)?.doubleValue)
        XCTAssertGreaterThan(requests, 0)
        let cpu = try XCTUnwrap(json["cpu"] as? [String: Any], "\(json)")
        let allocations = try XCTUnwrap((cpu["server_allocations"] as? NSNumber)?.doubleValue, "\(cpu)")
        let perRequest = try XCTUnwrap((cpu["server_allocations_per_request"] as? NSNumber)?.doubleValue, "\(cpu)")
        // Answering a Predict allocates (today); the count is the server's, not the bench's.
        XCTAssertGreaterThan(allocations, 0)
        XCTAssertEqual(perRequest, allocations / requests, accuracy: 0.001 + perRequest * 0.001)
        XCTAssertTrue(stdout.contains("server heap allocations: \(Int(allocations)) ("), stdout)

        server.process.terminate()
        server.process.waitUntilExit()
        XCTAssertFalse(FileManager.default.fileExists(atPath: counterFile), "the counter's file goes with its process")
    }

    func testWithoutTheCounterNoAllocationsAreReported() throws {
        let server = try FanOutServerProcess(models: TestPaths.models, arguments: [])
        let (stdout, json) = try loadOneSecond(server)
        let cpu = try XCTUnwrap(json["cpu"] as? [String: Any], "\(json)")
        XCTAssertNotNil(cpu["server_cores"])
        XCTAssertNil(cpu["server_allocations"])
        XCTAssertFalse(stdout.contains("heap allocations"), stdout)
    }
}
