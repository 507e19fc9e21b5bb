import Foundation
import XCTest

/// `SWERVE_*` variables preset flags (for containers); flags still win, and
/// a malformed value is an error naming the variable.
final class CommandLineEnvironmentTests: XCTestCase {
    func testMalformedVariableIsRefusedByName() throws {
        let result = try runCommand(TestPaths.swerveBinary, ["serve", "--models", TestPaths.models.path],
                                    environment: ["SWERVE_PORT": "eighty"])
        XCTAssertEqual(result.status, 64)
        XCTAssertTrue(result.stderr.contains("SWERVE_PORT='eighty'"), result.stderr)
    }

    func testVariableSetsTheDefaultAndAFlagOverridesIt() throws {
        // The variable's value is validated like the flag's...
        let fromEnvironment = try runCommand(TestPaths.swerveBinary, ["serve", "--models", TestPaths.models.path],
                                             environment: ["SWERVE_LOG_LEVEL": "chatty"])
        XCTAssertNotEqual(fromEnvironment.status, 0)
        XCTAssertTrue(fromEnvironment.stderr.contains("chatty"), fromEnvironment.stderr)
        // ...and the flag wins over it: this server starts with a valid level.
        let repository = try TestPaths.repository(with: ["diabetes"], testName: "environment")
        defer { try? FileManager.default.removeItem(at: repository) }
        setenv("SWERVE_LOG_LEVEL", "chatty", 1)
        defer { unsetenv("SWERVE_LOG_LEVEL") }
        let server = try SwerveProcess(models: repository, arguments: ["--log-level", "warning"])
        server.send(SIGTERM)
        XCTAssertEqual(server.waitForExit(timeout: 30), 0)
    }

    func testClientTakesTheServerAddressFromTheEnvironment() throws {
        let repository = try TestPaths.repository(with: ["diabetes"], testName: "environment-client")
        defer { try? FileManager.default.removeItem(at: repository) }
        let server = try SwerveProcess(models: repository)
        defer {
            server.send(SIGTERM)
            _ = server.waitForExit(timeout: 30)
        }
        let result = try runCommand(TestPaths.swerveBinary, ["health"],
                                    environment: ["SWERVE_SERVER": "127.0.0.1:\(server.port)"])
        XCTAssertEqual(result.status, 0, result.stderr)
    }
}
