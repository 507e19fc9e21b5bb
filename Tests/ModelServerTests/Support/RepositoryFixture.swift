import Foundation
import Logging
import ModelRuntime
import ModelServer
import Primitives
import XCTest

/// A temporary model repository for one test, plus a fake loader whose
/// behaviour each `model.onnx` chooses by its contents:
///
/// - `ok` (or anything else): a real identity model (float [N, 4] in, same out)
/// - `fail: <message>`: the load throws `ModelError(.invalidModel, message)`
/// - `warmup-fail`: loads a model whose every run fails
/// - `block`: waits until `unblock()` (to observe LOADING), then loads `ok`
final class RepositoryFixture: @unchecked Sendable {
    let root: String
    let logs = LogCapture()
    private let loads = Locked<[String: Int]>([:])
    private let gate = NSCondition()
    private var gateOpen = false
    private var blockedCount = 0

    // A fresh instance per load, never a shared static: the repository then
    // owns each model it loaded and frees it on unload, so nothing a test
    // loaded lives on to the end of the run (make test-asan's leak check).
    static func identityModel() throws -> Model { try Model(bytes: ONNXTestModel.identity()) }
    static func failingModel() throws -> Model { try Model(bytes: ONNXTestModel.failsWhenRun()) }

    init() throws {
        let template = NSTemporaryDirectory() + "swerve-modelserver-XXXXXX"
        var bytes = Array(template.utf8CString)
        guard mkdtemp(&bytes) != nil else { throw POSIXError(.EIO) }
        root = String(cString: bytes)
    }

    deinit {
        // Restore permissions a test may have removed, so the tree can be deleted.
        _ = try? FileManager.default.subpathsOfDirectory(atPath: root).forEach {
            chmod("\(root)/\($0)", 0o755)
        }
        try? FileManager.default.removeItem(atPath: root)
    }

    var logger: Logger {
        let capture = logs
        var logger = Logger(label: "swerve.test.modelserver") { _ in CapturingLogHandler(capture: capture) }
        logger.logLevel = .debug
        return logger
    }

    /// A repository on this fixture with the fake loader.
    func repository(pollInterval: Duration = .seconds(3600), control: RepositoryControl = .poll,
                    startupModels: [String] = []) -> ModelRepository {
        ModelRepository(root: root, pollInterval: pollInterval, logger: logger, control: control,
                        startupModels: startupModels, loader: { [self] in try fakeLoad($0) })
    }

    /// A repository on this fixture with the real ONNX loader.
    func realRepository(pollInterval: Duration = .seconds(3600)) -> ModelRepository {
        ModelRepository(root: root, pollInterval: pollInterval, logger: logger)
    }

    // MARK: Files

    func path(_ relative: String) -> String { "\(root)/\(relative)" }

    func write(_ relative: String, _ contents: String) throws {
        try write(relative, Array(contents.utf8))
    }

    func write(_ relative: String, _ bytes: [UInt8]) throws {
        let full = path(relative)
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        // Write then rename, as a deployment tool would: no reader sees a half file
        // (unless a test writes one on purpose), and the inode changes.
        let temporary = full + ".tmp-\(UInt32.random(in: 0...UInt32.max))"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes)) else {
            throw POSIXError(.EIO)
        }
        guard rename(temporary, full) == 0 else { throw POSIXError(.EIO) }
    }

    /// Adds `ROOT/<model>/<version>/model.onnx` with fake-loader contents.
    func addVersion(_ model: String, _ version: Int64, _ contents: String = "ok") throws {
        try write("\(model)/\(version)/model.onnx", contents)
    }

    /// Copies a trained model from the package's `models/` directory.
    func addRealVersion(_ model: String, _ version: Int64, from source: String) throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: Self.packageModels + "/" + source))
        try write("\(model)/\(version)/model.onnx", [UInt8](bytes))
    }

    func writeConfig(_ model: String, _ json: String) throws {
        try write("\(model)/config.json", json)
    }

    func remove(_ relative: String) throws {
        try FileManager.default.removeItem(atPath: path(relative))
    }

    static var packageModels: String {
        // Tests/ModelServerTests/Support/RepositoryFixture.swift → package root
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("models").path
    }

    // MARK: Fake loader

    func loadCount(_ model: String, _ version: Int64) -> Int {
        loads.withLock { $0[path("\(model)/\(version)/model.onnx")] ?? 0 }
    }

    private func fakeLoad(_ path: String) throws -> Model {
        loads.withLock { $0[path, default: 0] += 1 }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelError(.invalidModel, "cannot read \(path)")
        }
        let text = String(decoding: data, as: UTF8.self)
        if text.hasPrefix("fail: ") {
            throw ModelError(.invalidModel, String(text.dropFirst(6)))
        }
        if text == "warmup-fail" {
            return try Self.failingModel()
        }
        if text == "block" {
            gate.lock()
            blockedCount += 1
            gate.broadcast()
            while !gateOpen { gate.wait() }
            gate.unlock()
        }
        return try Self.identityModel()
    }

    /// Waits until a `block` load is waiting in the loader.
    func waitForBlockedLoad(timeout: TimeInterval = 10) -> Bool {
        gate.lock()
        defer { gate.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while blockedCount == 0 {
            if !gate.wait(until: deadline) { return blockedCount > 0 }
        }
        return true
    }

    func unblock() {
        gate.lock()
        gateOpen = true
        gate.broadcast()
        gate.unlock()
    }
}

/// The states of every version of `model`, as `[version: state]`.
func states(_ repository: ModelRepository, _ model: String) -> [Int64: ModelVersionState] {
    guard let statuses = try? repository.versions(name: model) else { return [:] }
    return Dictionary(uniqueKeysWithValues: statuses.map { ($0.version, $0.state) })
}

/// The error `acquire` throws, or nil (after releasing) when it succeeds.
func acquireError(_ repository: ModelRepository, _ name: String, version: Int64? = nil,
                  label: String? = nil) -> ModelServerError? {
    do {
        try repository.acquire(name: name, version: version, label: label).release()
        return nil
    } catch let error as ModelServerError {
        return error
    } catch {
        XCTFail("unexpected error type: \(error)")
        return nil
    }
}

/// The version `acquire` serves, or nil.
func servedVersion(_ repository: ModelRepository, _ name: String, version: Int64? = nil,
                   label: String? = nil) -> Int64? {
    guard let lease = try? repository.acquire(name: name, version: version, label: label) else { return nil }
    defer { lease.release() }
    return lease.servable.version
}

/// Collects log lines so tests can check what was reported.
final class LogCapture: Sendable {
    private let lines = Locked<[(Logger.Level, String)]>([])

    func append(_ level: Logger.Level, _ message: String) {
        lines.withLock { $0.append((level, message)) }
    }

    func messages(at level: Logger.Level) -> [String] {
        lines.withLock { $0.filter { $0.0 == level }.map(\.1) }
    }

    func contains(_ level: Logger.Level, _ fragment: String) -> Bool {
        messages(at: level).contains { $0.contains(fragment) }
    }
}

struct CapturingLogHandler: LogHandler {
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .debug

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        capture.append(event.level, "\(event.message)")
    }
}
