import SwerveTestSupport
import ModelServer
import XCTest

/// Explicit load and unload through the manager, in each repository control mode.
final class RepositoryControlTests: XCTestCase {
    func testPollModeRefusesLoadAndUnloadNamingTheMode() throws {
        let fixture = try RepositoryFixture()
        try fixture.addVersion("m", 1)
        let repository = fixture.repository()
        try repository.start()
        defer { repository.stop() }

        for action in [{ try repository.load(name: "m") }, { try repository.unload(name: "m") }] {
            XCTAssertThrowsError(try action()) { error in
                let e = error as? ModelServerError
                XCTAssertEqual(e?.kind, .failedPrecondition)
                XCTAssertTrue(e?.message.contains("poll mode") ?? false, "\(error)")
                XCTAssertTrue(e?.message.contains("--repository-control explicit or both") ?? false, "\(error)")
            }
        }
        XCTAssertEqual(servedVersion(repository, "m"), 1)
    }

    func testExplicitModeServesOnlyWhatWasLoaded() throws {
        let fixture = try RepositoryFixture()
        try fixture.addVersion("a", 1)
        try fixture.addVersion("b", 1)
        let repository = fixture.repository(control: .explicit, startupModels: ["a"])
        try repository.start()
        defer { repository.stop() }

        XCTAssertEqual(servedVersion(repository, "a"), 1)
        XCTAssertEqual(fixture.loadCount("b", 1), 0)
        let notLoaded = acquireError(repository, "b")
        XCTAssertEqual(notLoaded?.kind, .unavailable)
        XCTAssertTrue(notLoaded?.message.contains("model 'b' is not loaded") ?? false, "\(String(describing: notLoaded))")
        // A model held out of service does not keep the server unready.
        let health = repository.health()
        XCTAssertEqual(health.available + health.failed, health.total)
        XCTAssertEqual(repository.modelNames(), ["a", "b"])

        let loaded = try repository.load(name: "b")
        XCTAssertEqual(loaded.map(\.version), [1])
        XCTAssertEqual(loaded.first?.state, .available)
        XCTAssertEqual(servedVersion(repository, "b"), 1)

        // No poller: a new version waits for the next load.
        try fixture.addVersion("b", 2)
        XCTAssertEqual(servedVersion(repository, "b"), 1)
        _ = try repository.load(name: "b")
        XCTAssertEqual(servedVersion(repository, "b"), 2)
    }

    func testStartupModelsStarLoadsEveryModelAndUnknownNamesFailStart() throws {
        let fixture = try RepositoryFixture()
        try fixture.addVersion("a", 1)
        try fixture.addVersion("b", 3)
        let all = fixture.repository(control: .explicit, startupModels: ["*"])
        try all.start()
        XCTAssertEqual(servedVersion(all, "a"), 1)
        XCTAssertEqual(servedVersion(all, "b"), 3)
        all.stop()

        let missing = fixture.repository(control: .explicit, startupModels: ["nope"])
        XCTAssertThrowsError(try missing.start()) { error in
            XCTAssertEqual((error as? ModelServerError)?.kind, .failedPrecondition)
            XCTAssertTrue("\(error)".contains("cannot load model 'nope' at startup"), "\(error)")
        }
        missing.stop()
    }

    func testUnloadDrainsInFlightCallsThenLoadServesAgain() throws {
        let fixture = try RepositoryFixture()
        try fixture.addVersion("m", 1)
        let repository = fixture.repository(control: .explicit, startupModels: ["m"])
        try repository.start()
        defer { repository.stop() }

        let inFlight = try repository.acquire(name: "m", version: nil, label: nil)
        let afterUnload = try repository.unload(name: "m")
        XCTAssertEqual(afterUnload.first?.state, .unloading, "the call in flight keeps the version until it ends")
        XCTAssertEqual(acquireError(repository, "m")?.kind, .unavailable)
        inFlight.release()
        XCTAssertEqual(states(repository, "m"), [1: .end])
        XCTAssertTrue(fixture.logs.contains(.info, "model m version 1 UNLOADING: unloaded by request"))

        _ = try repository.load(name: "m")
        XCTAssertEqual(servedVersion(repository, "m"), 1)
        XCTAssertEqual(fixture.loadCount("m", 1), 2)
    }

    func testBothModeUnloadHoldsAgainstThePollerUntilLoad() throws {
        let fixture = try RepositoryFixture()
        try fixture.addVersion("m", 1)
        let repository = fixture.repository(control: .both)
        try repository.start()
        defer { repository.stop() }
        XCTAssertEqual(servedVersion(repository, "m"), 1)

        _ = try repository.unload(name: "m")
        try fixture.addVersion("m", 2)
        repository.reload()  // the poller's pass
        XCTAssertNil(servedVersion(repository, "m"))
        XCTAssertEqual(fixture.loadCount("m", 2), 0)

        _ = try repository.load(name: "m")
        XCTAssertEqual(servedVersion(repository, "m"), 2)
        repository.reload()
        XCTAssertEqual(servedVersion(repository, "m"), 2, "after a load the poller keeps the model")
    }

    func testLoadErrorsNameTheProblem() throws {
        let fixture = try RepositoryFixture()
        try fixture.addVersion("broken", 1, "fail: not an ONNX model")
        let repository = fixture.repository(control: .explicit)
        try repository.start()
        defer { repository.stop() }

        XCTAssertThrowsError(try repository.load(name: "absent")) { error in
            XCTAssertEqual((error as? ModelServerError)?.kind, .notFound)
            XCTAssertTrue("\(error)".contains("model 'absent' not found"), "\(error)")
        }
        XCTAssertThrowsError(try repository.unload(name: "absent")) { error in
            XCTAssertEqual((error as? ModelServerError)?.kind, .notFound)
        }
        XCTAssertThrowsError(try repository.load(name: "broken")) { error in
            XCTAssertEqual((error as? ModelServerError)?.kind, .failedPrecondition)
            XCTAssertTrue("\(error)".contains("model 'broken' did not load: version 1 is FAILED"), "\(error)")
            XCTAssertTrue("\(error)".contains("not an ONNX model"), "\(error)")
        }
    }
}
