import Foundation
import SwerveTestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

enum StreamPaths {
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let models = repositoryRoot.appendingPathComponent("models")
    static let diabetesData = models.appendingPathComponent("diabetes/data.csv")
    static let diabetesModel = models.appendingPathComponent("diabetes/1/model.onnx")

    /// The `swerve` executable built beside the test binary.
    static var swerve: URL {
        let testBinary = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        var dir = testBinary.deletingLastPathComponent()
        while dir.pathExtension == "xctest" { dir = dir.deletingLastPathComponent() }
        return dir.appendingPathComponent("swerve")
    }

    static func temporaryDirectory(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("swerve-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// One `swerve stream …` process with its output collected, so a test can
/// wait for a log line; SIGKILLed when released.
final class ServiceProcess: @unchecked Sendable {
    let arguments: [String]
    private let process = Process()
    private let lock = NSLock()
    private var output = ""

    init(_ arguments: [String]) throws {
        self.arguments = arguments
        process.executableURL = StreamPaths.swerve
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard !data.isEmpty, let self else { return }
            self.lock.lock()
            self.output += String(decoding: data, as: UTF8.self)
            self.lock.unlock()
        }
        try process.run()
    }

    deinit { kill() }

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return output
    }

    var isRunning: Bool { process.isRunning }

    /// Waits (bounded) until the output contains `needle`.
    func waitFor(_ needle: String, timeout: TimeInterval = 30, file: StaticString = #filePath, line: UInt = #line) {
        let ok = poll(timeout) { self.text.contains(needle) }
        XCTAssertTrue(ok, "swerve \(arguments.prefix(2).joined(separator: " ")) never printed '\(needle)'; output:\n\(text.suffix(3000))", file: file, line: line)
    }

    /// SIGKILL: no chance to ack or flush.
    func kill() {
        guard process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM and the exit status (bounded wait).
    @discardableResult
    func terminate(timeout: TimeInterval = 30) -> Int32? {
        guard process.isRunning else { return process.terminationStatus }
        process.terminate()
        guard poll(timeout, { !self.process.isRunning }) else { kill(); return nil }
        return process.terminationStatus
    }

    /// Waits for the process to exit on its own (bounded).
    func waitForExit(timeout: TimeInterval = 60) -> Int32? {
        guard poll(timeout, { !self.process.isRunning }) else { return nil }
        return process.terminationStatus
    }
}

/// Polls `condition` every 50 ms until it holds or `timeout` (stretched by
/// `TestTiming.scale`) passes.
func poll(_ timeout: TimeInterval, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(TestTiming.scaled(timeout))
    while Date() < deadline {
        if condition() { return true }
        usleep(50_000)  // the pace of a poll with a deadline
    }
    return condition()
}
