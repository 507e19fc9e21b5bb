import SwerveTestSupport
import Logging
import ModelRuntime
import ModelServer
import XCTest

/// Initial scan, version policies, version labels, status and health.
final class ModelRepositoryLoadingTests: XCTestCase {
    func testStartLoadsEveryModelBeforeReturning() throws {
        let fixture = try RepositoryFixture()
        try fixture.addVersion("a", 1)
        try fixture.addVersion("b", 3)
        try fixture.writeConfig("b", #"{"labels": ["x", "y"]}"#)
        let repository = fixture.repository()
        try repository.start()
        defer { repository.stop() }

        XCTAssertEqual(repository.modelNames(), ["a", "b"])
        XCTAssertEqual(states(repository, "a"), [1: .available])
        XCTAssertEqual(states(repository, "b"), [3: .available])
        XCTAssertEqual(try repository.config(name: "b").classLabels, ["x", "y"])
        XCTAssertEqual(try repository.config(name: "a"), .default)
        XCTAssertTrue(repository.health() == (available: 2, failed: 0, total: 2))

        let lease = try repository.acquire(name: "b", version: nil, label: nil)
        XCTAssertEqual(lease.servable.name, "b")
        XCTAssertEqual(lease.servable.version, 3)
        XCTAssertEqual(lease.servable.config.classLabels, ["x", "y"])
        XCTAssertEqual(lease.servable.inFlightCount, 1)
        lease.release()
        XCTAssertEqual(lease.servable.inFlightCount, 0)
        XCTAssertTrue(fixture.logs.contains(.info, "model a version 1 AVAILABLE (load and warm-up"))
    }

    func testStartRefusesAMissingRoot() throws {
        let fixture = try RepositoryFixture()
        let repository = ModelRepository(root: fixture.path("nope"), pollInterval: .seconds(1), logger: fixture.logger)
        XCTAssertThrowsError(try repository.start()) { error in
            let error = error as? ModelServerError
            XCTAssertEqual(error?.kind, .failedPrecondition)
            XCTAssertTrue(error?.message.contains("nope") == true, error?.message ?? "")
        }
    }

    func testStartTwiceIsRefused() throws {
        let fixture = try RepositoryFixture()
        let repository = fixture.repository()
        try repository.start()
        XCTAssertThrowsError(try repository.start())
        repository.stop()
        XCTAssertThrowsError(try repository.start())
    }

    func testLatestPolicyServesTheNewestVersionOnly() throws {
        let fixture = try RepositoryFixture()
        for v: Int64 in [1, 2, 10] { try fixture.addVersion("m", v) }
        let repository = fixture.repository()
        try repository.start()
        defer { repository.stop() }
        // Versions 1 and 2 were never selected, so they are not tracked at all.
        XCTAssertEqual(states(repository, "m"), [10: .available])
        XCTAssertEqual(servedVersion(repository, "m"), 10)
        XCTAssertEqual(fixture.loadCount("m", 1), 0)
    }

    func testLatestTwo() throws {
        let fixture = try RepositoryFixture()
        for v: Int64 in [1, 2, 3] { try fixture.addVersion("m", v) }
        try fixture.writeConfig("m", #"{"version_policy": {"latest": 2}}"#)
        let repository = fixture.repository()
        try repository.start()
        defer { repository.stop() }
        XCTAssertEqual(states(repository, "m"), [2: .available, 3: .available])
        XCTAssertEqual(servedVersion(repository, "m"), 3)
        XCTAssertEqual(servedVersion(repository, "m", version: 2), 2)
    }

    func testAllPolicy() throws {
        let fixture = try RepositoryFixture()
        for v: Int64 in [1, 2, 3] { try fixture.addVersion("m", v) }
        try fixture.writeConfig("m", #"{"version_policy": {"all": true}}"#)
        let repository = fixture.repository()
        try repository.start()
        defer { repository.stop() }
        XCTAssertEqual(states(repository, "m"), [1: .available, 2: .available, 3: .available])
        XCTAssertEqual(servedVersion(repository, "m", version: 1), 1)
    }

    func testSpecificPolicy() throws {
        let fixture = try RepositoryFixture()
        for v: Int64 in [1, 2, 3] { try fixture.addVersion("m", v) }
        try fixture.writeConfig("m", #"{"version_policy": {"specific": [1, 3, 7]}}"#)
        let repository = fixture.repository()
        try repository.start()
        defer { repository.stop() }
        XCTAssertEqual(states(repository, "m"), [1: .available, 3: .available])
        XCTAssertEqual(servedVersion(repository, "m"), 3)
        XCTAssertEqual(acquireError(repository, "m", version: 2)?.kind, .notFound)
    }

    func testVersionLabels() throws {
        let fixture = try RepositoryFixture()
        for v: Int64 in [1, 2] { try fixture.addVersion("m", v) }
        try fixture.writeConfig("m", #"{"version_policy": {"all": true}, "version_labels": {"stable": 1, "canary": 2, "also": 1}}"#)
        let repository = fixture.repository()
        try repository.start()
        defer { repository.stop() }
        XCTAssertEqual(servedVersion(repository, "m", label: "stable"), 1)
        XCTAssertEqual(servedVersion(repository, "m", label: "canary"), 2)
        // An empty label is protobuf's "unset": the newest version serves.
        XCTAssertEqual(servedVersion(repository, "m", label: ""), 2)
        XCTAssertEqual(try repository.status(name: "m", version: 1),
                       [ModelVersionStatus(version: 1, state: .available, error: nil, labels: ["also", "stable"])])
        XCTAssertEqual(try repository.status(name: "m", version: 2).first?.labels, ["canary"])
    }

    func testLayoutOddities() throws {
        let fixture = try RepositoryFixture()
        try fixture.addVersion("m", 1)
        try fixture.write("m/2", "a file named like a version")
        try fixture.write("m/01/model.onnx", "ok")          // leading zero: refused
        try fixture.write("m/abc/model.onnx", "ok")
        try fixture.write("m/0/model.onnx", "ok")
        try fixture.write("m/-3/model.onnx", "ok")
        try fixture.write("m/99999999999999999999/model.onnx", "ok")   // beyond Int64
        try FileManager.default.createDirectory(atPath: fixture.path("m/5"), withIntermediateDirectories: true)  // no model.onnx yet
        try fixture.write(".hidden/1/model.onnx", "ok")
        try fixture.write("README.md", "not a model")
        try fixture.write("fixtures/iris.onnx", "no version directories")
        try FileManager.default.createDirectory(atPath: fixture.path("m/4/model.onnx"), withIntermediateDirectories: true)
        XCTAssertEqual(symlink("loop", fixture.path("loop")), 0)        // a symlink loop as a model
        XCTAssertEqual(symlink("7", fixture.path("m/7")), 0)            // ... and as a version
        XCTAssertEqual(symlink("missing", fixture.path("m/8")), 0)      // dangling

        let repository = fixture.repository()
        try repository.start()
        defer { repository.stop() }
        XCTAssertEqual(repository.modelNames(), ["m"])
        // The usable-looking versions are {1, 4, 7}; policy latest 1 selects 7,
        // a symlink loop (ELOOP), so it is FAILED. Versions 1 and 4 are not selected.
        let statuses = try repository.versions(name: "m")
        XCTAssertEqual(statuses.map(\.version), [7])
        XCTAssertEqual(statuses.first?.state, .failed)
        XCTAssertTrue(statuses.first?.error?.contains("symbolic links") == true, statuses.first?.error ?? "")
        XCTAssertTrue(fixture.logs.contains(.debug, "m/abc: not a version directory"))
        XCTAssertTrue(fixture.logs.contains(.debug, "m/2: named like a version but not a directory"))
        XCTAssertTrue(fixture.logs.contains(.debug, "m/5: no model.onnx yet"))
        XCTAssertTrue(fixture.logs.contains(.debug, "m/8: cannot stat"), "dangling symlink")
        XCTAssertTrue(fixture.logs.contains(.error, "skipping model directory: cannot stat \(fixture.path("loop"))"))
        XCTAssertFalse(fixture.logs.messages(at: .debug).contains { $0.contains("m/1:") })
    }

    func testModelFileThatIsADirectoryFails() throws {
        let fixture = try RepositoryFixture()
        try fixture.addVersion("m", 1)
        try FileManager.default.createDirectory(atPath: fixture.path("m/2/model.onnx"), withIntermediateDirectories: true)
        try fixture.writeConfig("m", #"{"version_policy": {"all": true}}"#)
        let repository = fixture.repository()
        try repository.start()
        defer { repository.stop() }
        XCTAssertEqual(states(repository, "m"), [1: .available, 2: .failed])
        XCTAssertTrue(try repository.status(name: "m", version: 2).first?.error?.contains("not a regular file") == true)
        XCTAssertEqual(servedVersion(repository, "m"), 1)
    }

    func testUnreadableModelDirectoryIsReportedNotFatal() throws {
        try XCTSkipIf(geteuid() == 0, "permission checks do not apply to root")
        let fixture = try RepositoryFixture()
        try fixture.addVersion("good", 1)
        try fixture.addVersion("locked", 1)
        XCTAssertEqual(chmod(fixture.path("locked"), 0), 0)
        let repository = fixture.repository()
        try repository.start()
        defer { repository.stop() }
        XCTAssertEqual(servedVersion(repository, "good"), 1)
        XCTAssertTrue(fixture.logs.contains(.error, "cannot read model directory"))
    }

    func testFanOutModelIsSkippedButItsConfigIsReadable() throws {
        let fixture = try RepositoryFixture()
        try fixture.addVersion("member", 1)
        try fixture.writeConfig("ensemble", #"{"fan_out": {"members": ["member"]}, "labels": ["a", "b"]}"#)
        let repository = fixture.repository()
        try repository.start()
        defer { repository.stop() }
        XCTAssertEqual(repository.modelNames(), ["member"])
        XCTAssertEqual(repository.fanOutModelNames(), ["ensemble"])
        let config = try repository.config(name: "ensemble")
        XCTAssertTrue(config.isFanOut)
        XCTAssertEqual(config.classLabels, ["a", "b"])
        XCTAssertEqual(try repository.versions(name: "ensemble"), [])
        XCTAssertEqual(acquireError(repository, "ensemble")?.kind, .failedPrecondition)
        XCTAssertTrue(repository.health() == (available: 1, failed: 0, total: 1))
    }

    func testHealthCountsFailedModels() throws {
        let fixture = try RepositoryFixture()
        try fixture.addVersion("ok", 1)
        try fixture.addVersion("bad", 1, "fail: truncated protobuf")
        let repository = fixture.repository()
        try repository.start()
        defer { repository.stop() }
        XCTAssertTrue(repository.health() == (available: 1, failed: 1, total: 2))
    }

    func testStopUnloadsEverything() throws {
        let fixture = try RepositoryFixture()
        try fixture.addVersion("m", 1)
        let repository = fixture.repository()
        try repository.start()
        let lease = try repository.acquire(name: "m", version: nil, label: nil)
        repository.stop()
        XCTAssertEqual(states(repository, "m"), [1: .unloading])
        XCTAssertEqual(acquireError(repository, "m")?.kind, .unavailable)
        lease.release()
        XCTAssertEqual(states(repository, "m"), [1: .end])
        repository.reload()   // a no-op once stopped
        XCTAssertEqual(states(repository, "m"), [1: .end])
    }

    // MARK: Real models from models/

    func testRealModelsLoadAndServe() throws {
        let fixture = try RepositoryFixture()
        try fixture.addRealVersion("iris", 1, from: "iris/1/model.onnx")
        try fixture.write("iris/config.json", Array(try Data(contentsOf: URL(fileURLWithPath:
            RepositoryFixture.packageModels + "/iris/config.json"))))
        try fixture.addRealVersion("diabetes", 1, from: "diabetes/1/model.onnx")
        let repository = fixture.realRepository()
        try repository.start()
        defer { repository.stop() }
        XCTAssertEqual(states(repository, "iris"), [1: .available], "\((try? repository.versions(name: "iris")) ?? [])")
        XCTAssertEqual(states(repository, "diabetes"), [1: .available], "\((try? repository.versions(name: "diabetes")) ?? [])")
        XCTAssertEqual(try repository.config(name: "iris").classLabels, ["setosa", "versicolor", "virginica"])

        let lease = try repository.acquire(name: "iris", version: 1, label: nil)
        defer { lease.release() }
        let input = Tensor(shape: [1, 4], floats: [5.1, 3.5, 1.4, 0.2])
        let outputs = try lease.servable.model.run(["input": input])
        XCTAssertEqual(outputs["label"]?.tensor?.storage.count, 1)
        if case .int64(let labels)? = outputs["label"]?.tensor?.storage {
            XCTAssertEqual(labels, [0])   // setosa
        } else {
            XCTFail("label output: \(String(describing: outputs["label"]))")
        }
    }

    func testThePackagedModelsDirectoryServes() throws {
        let logs = LogCapture()
        var logger = Logger(label: "swerve.test.modelserver") { _ in CapturingLogHandler(capture: logs) }
        logger.logLevel = .debug
        let repository = ModelRepository(root: RepositoryFixture.packageModels, pollInterval: .seconds(3600), logger: logger)
        try repository.start()
        defer { repository.stop() }
        // `fixtures/` holds .onnx files but no version directories: not a model.
        XCTAssertEqual(repository.modelNames(), ["diabetes", "iris", "iris-setosa", "iris-versicolor", "iris-virginica"])
        for name in repository.modelNames() {
            XCTAssertEqual(states(repository, name), [1: .available], "\(name): \((try? repository.versions(name: name)) ?? [])")
        }
        XCTAssertTrue(repository.health() == (available: 5, failed: 0, total: 5))
        XCTAssertEqual(try repository.config(name: "iris").classLabels, ["setosa", "versicolor", "virginica"])
        XCTAssertNotNil(try repository.config(name: "diabetes").raw["description"])
        XCTAssertTrue(logs.messages(at: .error).isEmpty, "\(logs.messages(at: .error))")
    }

    // kmeans uses default-domain operators only (Gemm, ReduceSumSquare, ArgMin, …).
    func testRealLoaderReportsACorruptFileThenLoadsTheCompletedCopy() throws {
        let fixture = try RepositoryFixture()
        try fixture.addRealVersion("kmeans", 1, from: "fixtures/kmeans.onnx")
        let good = try Data(contentsOf: URL(fileURLWithPath: RepositoryFixture.packageModels + "/fixtures/kmeans.onnx"))
        try fixture.write("kmeans/2/model.onnx", Array(good.prefix(good.count / 2)))   // half-copied
        try fixture.writeConfig("kmeans", #"{"version_policy": {"all": true}}"#)
        let repository = fixture.realRepository()
        try repository.start()
        defer { repository.stop() }
        XCTAssertEqual(states(repository, "kmeans"), [1: .available, 2: .failed],
                       "\((try? repository.versions(name: "kmeans")) ?? [])")
        let error = try XCTUnwrap(try repository.status(name: "kmeans", version: 2).first?.error)
        XCTAssertTrue(error.contains("kmeans/2/model.onnx"), error)
        XCTAssertEqual(servedVersion(repository, "kmeans"), 1)
        XCTAssertTrue(fixture.logs.contains(.error, "model kmeans version 2 FAILED"))

        // The copy completes: the changed file is retried and serves.
        try fixture.write("kmeans/2/model.onnx", [UInt8](good))
        repository.reload()
        XCTAssertEqual(states(repository, "kmeans"), [1: .available, 2: .available])
        let lease = try repository.acquire(name: "kmeans", version: nil, label: nil)
        defer { lease.release() }
        XCTAssertEqual(lease.servable.version, 2)
        let outputs = try lease.servable.model.run(["input": Tensor(shape: [2, 4], floats: [5.1, 3.5, 1.4, 0.2, 6.7, 3.0, 5.2, 2.3])])
        XCTAssertEqual(outputs["label"]?.tensor?.shape, [2])
    }

    func testRealLoaderThroughThePoller() throws {
        let fixture = try RepositoryFixture()
        try fixture.write("identity/1/model.onnx", ONNXTestModel.identity())
        let repository = fixture.realRepository(pollInterval: .milliseconds(100))
        try repository.start()
        defer { repository.stop() }
        XCTAssertEqual(servedVersion(repository, "identity"), 1)

        try fixture.addRealVersion("identity", 2, from: "fixtures/kmeans.onnx")   // a different model, same input
        waitUntil("version 2 through the poller") { servedVersion(repository, "identity") == 2 }
        waitUntil("version 1 to end") { states(repository, "identity")[1] == .end }
        try fixture.write("identity/3/model.onnx", [0x08, 0x07, 0x3a])   // a graph field cut short
        waitUntil("version 3 to fail") { states(repository, "identity")[3] == .failed }
        XCTAssertEqual(servedVersion(repository, "identity"), 2)
    }
}
