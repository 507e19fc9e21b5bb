import Foundation
import XCTest

/// `swerve serve --repository-control` with the `load` and `unload` commands
/// over the binary protocol.
final class RepositoryControlProcessTests: XCTestCase {
    private let row = "[[6.7,3.0,5.2,2.3]]"

    private func swerve(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let r = try runCommand(TestPaths.swerveBinary, arguments)
        return (r.status, r.stdout, r.stderr)
    }

    func testExplicitModeLoadsOnlyWhatItIsToldAndUnloadHoldsUntilLoad() throws {
        let server = try SwerveProcess(models: TestPaths.models,
                                       arguments: ["--repository-control", "explicit", "--load-model", "iris"])
        let address = "127.0.0.1:\(server.port)"
        XCTAssertEqual(try swerve(["predict", "--server", address, "--model", "iris", "--data", row]).status, 0)
        let notLoaded = try swerve(["predict", "--server", address, "--model", "diabetes",
                                    "--data", "[[0.04,0.05,0.06,0.02,-0.04,-0.03,-0.04,0.0,0.02,-0.02]]"])
        XCTAssertEqual(notLoaded.status, 1)
        XCTAssertTrue(notLoaded.stderr.contains("model 'diabetes' is not loaded"), notLoaded.stderr)

        let unload = try swerve(["unload", "--server", address, "iris"])
        XCTAssertEqual(unload.status, 0, unload.stderr)
        XCTAssertTrue(unload.stdout.contains("\"model\": \"iris\""), unload.stdout)
        let afterUnload = try swerve(["predict", "--server", address, "--model", "iris", "--data", row])
        XCTAssertEqual(afterUnload.status, 1)
        XCTAssertTrue(afterUnload.stderr.contains("UNAVAILABLE"), afterUnload.stderr)

        let load = try swerve(["load", "--server", address, "iris"])
        XCTAssertEqual(load.status, 0, load.stderr)
        XCTAssertTrue(load.stdout.contains("AVAILABLE"), load.stdout)
        XCTAssertEqual(try swerve(["predict", "--server", address, "--model", "iris", "--data", row]).status, 0)

        let unknown = try swerve(["load", "--server", address, "no-such-model"])
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.stderr.contains("NOT_FOUND"), unknown.stderr)
    }

    func testPollModeRefusesLoadNamingTheMode() throws {
        let server = try SwerveProcess(models: TestPaths.models)
        let refused = try swerve(["load", "--server", "127.0.0.1:\(server.port)", "iris"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("poll mode"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("--repository-control explicit or both"), refused.stderr)
    }

    func testLoadModelNeedsExplicitControlAndABadModeIsNamed() throws {
        let loadModel = try swerve(["serve", "--models", TestPaths.models.path, "--load-model", "iris"])
        XCTAssertNotEqual(loadModel.status, 0)
        XCTAssertTrue(loadModel.stderr.contains("--load-model needs --repository-control explicit"), loadModel.stderr)
        let badMode = try swerve(["serve", "--models", TestPaths.models.path, "--repository-control", "manual"])
        XCTAssertNotEqual(badMode.status, 0)
        XCTAssertTrue(badMode.stderr.contains("'manual' is not one of poll, explicit, both"), badMode.stderr)
    }
}
