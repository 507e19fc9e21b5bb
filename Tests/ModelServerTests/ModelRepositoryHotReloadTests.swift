import SwerveTestSupport
import Foundation
import ModelServer
import XCTest

/// Changes on disk applied by `reload()` and by the background poller.
final class ModelRepositoryHotReloadTests: XCTestCase {
    func testNewVersionServesAfterReload() throws {
        let fixture = try RepositoryFixture()
        try fixture.addVersion("m", 1)
        let repository = fixture.repository()
        try repository.start()
        defer { repository.stop() }

        try fixture.addVersion("m", 2)
        repository.reload()
        XCTAssertEqual(states(repository, "m"), [1: .end, 2: .available])
        XCTAssertEqual(servedVersion(repository, "m"), 2)
        XCTAssertTrue(fixture.logs.contains(.info, "model m version 1 UNLOADING: excluded by the version policy"))
        XCTAssertTrue(fixture.logs.contains(.info, "model m version 1 END: unloaded"))
    }

    func testBackgroundPollerPicksUpANewVersion() throws {
        let fixture = try RepositoryFixture()
        try fixture.addVersion("m", 1)
        let repository = fixture.repository(pollInterval: .milliseconds(100))
        try repository.start()
        defer { repository.stop() }

        try fixture.addVersion("m", 2)
        waitUntil("version 2 AVAILABLE through the poller") { servedVersion(repository, "m") == 2 }
        try fixture.addVersion("other", 5)
        waitUntil("a new model through the poller") { servedVersion(repository, "other") == 5 }
    }

    func testStopEndsThePoller() throws {
        let fixture = try RepositoryFixture()
        try fixture.addVersion("m", 1)
        let repository = fixture.repository(pollInterval: .milliseconds(10))
        try repository.start()
        repository.stop()
        // stop() waited for the poller thread to exit, so nothing loads any more.
        try fixture.addVersion("m", 2)
        repository.reload()
        XCTAssertEqual(fixture.loadCount("m", 2), 0)
    }

    func testRemovedVersionUnloadsOnlyAfterItsLeasesAreReleased() throws {
        let fixture = try RepositoryFixture()
        try fixture.addVersion("m", 1)
        try fixture.addVersion("m", 2)
        try fixture.writeConfig("m", #"{"version_policy": {"all": true}}"#)
        let repository = fixture.repository()
        try repository.start()
        defer { repository.stop() }

        let first = try repository.acquire(name: "m", version: 2, label: nil)
        let second = try repository.acquire(name: "m", version: 2, label: nil)
        XCTAssertEqual(first.servable.inFlightCount, 2)
        try fixture.remove("m/2")
        repository.reload()

        XCTAssertEqual(states(repository, "m"), [1: .available, 2: .unloading])
        XCTAssertTrue(first.servable.isDraining)
        XCTAssertEqual(servedVersion(repository, "m"), 1, "the newest AVAILABLE version serves meanwhile")
        let error = acquireError(repository, "m", version: 2)
        XCTAssertEqual(error?.kind, .unavailable)
        XCTAssertEqual(error?.message, "version 2 of model 'm' is UNLOADING")

        first.release()
        XCTAssertEqual(states(repository, "m")[2], .unloading, "one call is still running")
        second.release()
        XCTAssertEqual(states(repository, "m")[2], .end)
        XCTAssertEqual(first.servable.inFlightCount, 0)
    }

    func testRemovedModelLeavesAndIsForgotten() throws {
        let fixture = try RepositoryFixture()
        try fixture.addVersion("a", 1)
        try fixture.addVersion("b", 1)
        let repository = fixture.repository()
        try repository.start()
        defer { repository.stop() }

        let lease = try repository.acquire(name: "b", version: nil, label: nil)
        try fixture.remove("b")
        repository.reload()
        XCTAssertEqual(repository.modelNames(), ["a"])
        XCTAssertEqual(states(repository, "b"), [1: .unloading])
        XCTAssertEqual(acquireError(repository, "b")?.kind, .notFound)
        lease.release()
        XCTAssertEqual(states(repository, "b"), [1: .end])
        repository.reload()
        XCTAssertThrowsError(try repository.versions(name: "b"))
    }

    func testCorruptVersionFailsWhileOthersServe() throws {
        let fixture = try RepositoryFixture()
        try fixture.addVersion("m", 1)
        try fixture.writeConfig("m", #"{"version_policy": {"latest": 2}}"#)
        let repository = fixture.repository()
        try repository.start()
        defer { repository.stop() }

        try fixture.addVersion("m", 2, "fail: protobuf truncated at byte 17")
        repository.reload()
        XCTAssertEqual(states(repository, "m"), [1: .available, 2: .failed])
        XCTAssertEqual(try repository.status(name: "m", version: 2).first?.error, "protobuf truncated at byte 17")
        XCTAssertEqual(servedVersion(repository, "m"), 1)
        XCTAssertTrue(fixture.logs.contains(.error, "model m version 2 FAILED"))

        // The same broken file is not reloaded on every poll.
        repository.reload()
        repository.reload()
        XCTAssertEqual(fixture.loadCount("m", 2), 1)
    }

    func testHalfCopiedThenCompletedFileFailsThenServes() throws {
        let fixture = try RepositoryFixture()
        try fixture.addVersion("m", 1)
        let repository = fixture.repository()
        try repository.start()
        defer { repository.stop() }

        try fixture.addVersion("m", 2, "fail: unexpected end of file")
        repository.reload()
        XCTAssertEqual(states(repository, "m"), [1: .available, 2: .failed])
        XCTAssertEqual(servedVersion(repository, "m"), 1, "a failing newer version must not take the model down")

        try fixture.addVersion("m", 2, "ok")
        repository.reload()
        XCTAssertEqual(states(repository, "m"), [1: .end, 2: .available])
        XCTAssertEqual(servedVersion(repository, "m"), 2)
        XCTAssertNil(try repository.status(name: "m", version: 2).first?.error)
    }

    func testFileGrowingInPlaceIsRetried() throws {
        // Not an atomic rename: the same inode grows, as with `cp` in progress.
        let fixture = try RepositoryFixture()
        try fixture.addVersion("m", 1)
        let repository = fixture.repository()
        try repository.start()
        defer { repository.stop() }

        let path = fixture.path("m/2/model.onnx")
        try FileManager.default.createDirectory(atPath: fixture.path("m/2"), withIntermediateDirectories: true)
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data("fail: partial".utf8)))
        repository.reload()
        XCTAssertEqual(states(repository, "m")[2], .failed)

        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data("ok".utf8))
        try handle.close()
        repository.reload()
        XCTAssertEqual(states(repository, "m")[2], .available)
    }

    func testWarmUpFailureFails() throws {
        let fixture = try RepositoryFixture()
        try fixture.addVersion("m", 1)
        try fixture.addVersion("m", 2, "warmup-fail")
        try fixture.writeConfig("m", #"{"version_policy": {"all": true}}"#)
        let repository = fixture.repository()
        try repository.start()
        defer { repository.stop() }
        XCTAssertEqual(states(repository, "m"), [1: .available, 2: .failed])
        let error = try XCTUnwrap(try repository.status(name: "m", version: 2).first?.error)
        XCTAssertTrue(error.hasPrefix("warm-up call failed: "), error)
        XCTAssertEqual(servedVersion(repository, "m"), 1)
    }

    func testChangedFileOfAnAvailableVersionIsSwappedIn() throws {
        let fixture = try RepositoryFixture()
        try fixture.addVersion("m", 1)
        let repository = fixture.repository()
        try repository.start()
        defer { repository.stop() }

        let old = try repository.acquire(name: "m", version: nil, label: nil)
        try fixture.addVersion("m", 1, "ok ")   // new contents, new inode
        repository.reload()
        XCTAssertEqual(fixture.loadCount("m", 1), 2)
        XCTAssertEqual(states(repository, "m"), [1: .available])
        let new = try repository.acquire(name: "m", version: nil, label: nil)
        XCTAssertFalse(new.servable === old.servable, "the reloaded instance serves new calls")
        XCTAssertTrue(old.servable.isDraining)
        XCTAssertEqual(old.servable.inFlightCount, 1, "the call on the old instance runs on")
        old.release()
        new.release()
        XCTAssertEqual(states(repository, "m"), [1: .available])

        // A broken replacement keeps the previous instance serving.
        try fixture.addVersion("m", 1, "fail: half written")
        repository.reload()
        XCTAssertEqual(states(repository, "m"), [1: .available])
        XCTAssertEqual(servedVersion(repository, "m"), 1)
        XCTAssertTrue(fixture.logs.contains(.error, "still serving the previously loaded file"))
    }

    func testLoadingVersionIsReportedAndNotServed() throws {
        let fixture = try RepositoryFixture()
        try fixture.addVersion("m", 1)
        try fixture.writeConfig("m", #"{"version_policy": {"all": true}}"#)
        let repository = fixture.repository()
        try repository.start()
        defer { repository.stop() }

        try fixture.addVersion("m", 2, "block")
        let reloaded = expectation(description: "reload finished")
        Thread {
            repository.reload()
            reloaded.fulfill()
        }.start()
        XCTAssertTrue(fixture.waitForBlockedLoad())
        XCTAssertEqual(states(repository, "m"), [1: .available, 2: .loading])
        XCTAssertEqual(servedVersion(repository, "m"), 1, "acquire does not wait for loads")
        XCTAssertEqual(acquireError(repository, "m", version: 2)?.message, "version 2 of model 'm' is LOADING")
        fixture.unblock()
        wait(for: [reloaded], timeout: 10)
        XCTAssertEqual(states(repository, "m"), [1: .available, 2: .available])
    }

    func testPolicyChangeAppliesOnReload() throws {
        let fixture = try RepositoryFixture()
        for v: Int64 in [1, 2, 3] { try fixture.addVersion("m", v) }
        let repository = fixture.repository()
        try repository.start()
        defer { repository.stop() }
        XCTAssertEqual(states(repository, "m"), [3: .available])

        try fixture.writeConfig("m", #"{"version_policy": {"specific": [1, 2]}}"#)
        repository.reload()
        XCTAssertEqual(states(repository, "m"), [1: .available, 2: .available, 3: .end])
        XCTAssertEqual(servedVersion(repository, "m"), 2)
    }

    func testLabelAndBatchChangesReachServingVersionsWithoutReloading() throws {
        let fixture = try RepositoryFixture()
        try fixture.addVersion("m", 1)
        try fixture.writeConfig("m", #"{"labels": ["a"], "version_labels": {"stable": 1}}"#)
        let repository = fixture.repository()
        try repository.start()
        defer { repository.stop() }
        let before = try repository.acquire(name: "m", version: nil, label: nil)

        try fixture.writeConfig("m", #"{"labels": ["a", "b"], "max_batch_size": 8, "version_labels": {"prod": 1}}"#)
        repository.reload()
        let after = try repository.acquire(name: "m", version: nil, label: "prod")
        defer { after.release() }
        XCTAssertEqual(after.servable.config.classLabels, ["a", "b"])
        XCTAssertEqual(after.servable.config.maxBatchSize, 8)
        XCTAssertTrue(after.servable.model === before.servable.model, "the model itself was not reloaded")
        XCTAssertEqual(fixture.loadCount("m", 1), 1)
        XCTAssertEqual(acquireError(repository, "m", label: "stable")?.kind, .notFound)
        XCTAssertEqual(try repository.status(name: "m", version: 1).first?.labels, ["prod"])
        before.release()
        XCTAssertEqual(states(repository, "m"), [1: .available], "releasing the replaced instance ends nothing")
    }

    func testBrokenConfigKeepsThePreviousOne() throws {
        let fixture = try RepositoryFixture()
        try fixture.addVersion("m", 1)
        try fixture.writeConfig("m", #"{"labels": ["a", "b"]}"#)
        let repository = fixture.repository()
        try repository.start()
        defer { repository.stop() }

        try fixture.writeConfig("m", #"{"labels": "a,b"}"#)
        repository.reload()
        repository.reload()
        XCTAssertEqual(try repository.config(name: "m").classLabels, ["a", "b"])
        XCTAssertEqual(servedVersion(repository, "m"), 1)
        let problem = try XCTUnwrap(try repository.configError(name: "m"))
        XCTAssertTrue(problem.contains("config.json: \"labels\" must be an array of strings"), problem)
        XCTAssertEqual(fixture.logs.messages(at: .error).filter { $0.contains("keeping the previous config") }.count, 1,
                       "logged once, not on every poll")

        try fixture.writeConfig("m", #"{"labels": ["x", "y"]}"#)
        repository.reload()
        XCTAssertNil(try repository.configError(name: "m"))
        XCTAssertEqual(try repository.config(name: "m").classLabels, ["x", "y"])
    }

    func testModelWhoseConfigNeverParsedDoesNotLoad() throws {
        let fixture = try RepositoryFixture()
        try fixture.addVersion("m", 1)
        try fixture.writeConfig("m", "{not json")
        let repository = fixture.repository()
        try repository.start()
        defer { repository.stop() }
        let status = try XCTUnwrap(try repository.versions(name: "m").first)
        XCTAssertEqual(status.state, .failed)
        XCTAssertTrue(status.error?.contains("config.json has never been valid") == true, status.error ?? "")
        XCTAssertEqual(fixture.loadCount("m", 1), 0)

        try fixture.writeConfig("m", "{}")
        repository.reload()
        XCTAssertEqual(states(repository, "m"), [1: .available])
    }

    func testRemovedConfigFallsBackToDefaults() throws {
        let fixture = try RepositoryFixture()
        for v: Int64 in [1, 2] { try fixture.addVersion("m", v) }
        try fixture.writeConfig("m", #"{"version_policy": {"all": true}, "labels": ["a"]}"#)
        let repository = fixture.repository()
        try repository.start()
        defer { repository.stop() }
        XCTAssertEqual(states(repository, "m"), [1: .available, 2: .available])

        try fixture.remove("m/config.json")
        repository.reload()
        XCTAssertEqual(try repository.config(name: "m"), .default)
        XCTAssertEqual(states(repository, "m"), [1: .end, 2: .available])
    }

    func testReAddedVersionLoadsAgain() throws {
        let fixture = try RepositoryFixture()
        try fixture.addVersion("m", 1)
        try fixture.addVersion("m", 2)
        try fixture.writeConfig("m", #"{"version_policy": {"all": true}}"#)
        let repository = fixture.repository()
        try repository.start()
        defer { repository.stop() }

        let held = try repository.acquire(name: "m", version: 2, label: nil)
        try fixture.remove("m/2")
        repository.reload()
        XCTAssertEqual(states(repository, "m")[2], .unloading)
        try fixture.addVersion("m", 2)
        repository.reload()
        XCTAssertEqual(states(repository, "m")[2], .available)
        held.release()   // the old instance leaves quietly; the new one keeps serving
        XCTAssertEqual(states(repository, "m")[2], .available)
        XCTAssertEqual(servedVersion(repository, "m", version: 2), 2)
    }

    func testUnreadableRootKeepsServing() throws {
        let fixture = try RepositoryFixture()
        try fixture.addVersion("m", 1)
        let repository = fixture.repository()
        try repository.start()
        defer { repository.stop() }
        try FileManager.default.moveItem(atPath: fixture.root, toPath: fixture.root + "-moved")
        defer { try? FileManager.default.moveItem(atPath: fixture.root + "-moved", toPath: fixture.root) }
        repository.reload()
        XCTAssertEqual(servedVersion(repository, "m"), 1)
        XCTAssertTrue(fixture.logs.contains(.error, "cannot scan model repository"))
    }
}

final class EndedVersionHistoryTests: XCTestCase {
    func testOnlyTheNewestEndedVersionsAreRemembered() throws {
        let fixture = try RepositoryFixture()
        let repository = fixture.repository()
        try fixture.addVersion("m", 1)
        try repository.start()
        defer { repository.stop() }
        // Deploy versions 2...20, each replacing the previous one on disk.
        for version: Int64 in 2...20 {
            try fixture.addVersion("m", version)
            try fixture.remove("m/\(version - 1)")
            repository.reload()
            XCTAssertEqual(servedVersion(repository, "m"), version)
        }
        let statuses = try repository.versions(name: "m")
        XCTAssertEqual(statuses.last, ModelVersionStatus(version: 20, state: .available))
        XCTAssertEqual(statuses.dropLast().map(\.version), Array(12...19))
        XCTAssertTrue(statuses.dropLast().allSatisfy { $0.state == .end })
    }
}
