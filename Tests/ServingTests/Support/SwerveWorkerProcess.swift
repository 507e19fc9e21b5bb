import Foundation
import XCTest

/// A real `swerve worker` process taking jobs from a Redis queue.
final class SwerveWorkerProcess {
    let process = Process()
    private let output = LineCollector()
    private let errors = LineCollector()
    /// The port of its /metrics endpoint, when started with --metrics-port.
    private(set) var metricsPort: Int?

    /// Starts `swerve worker --models DIR --queue URL ...` and waits (bounded)
    /// until it reports that it takes jobs.
    init(models: URL, queue: String, arguments: [String] = []) throws {
        process.executableURL = TestPaths.swerveBinary
        process.arguments = ["worker", "--models", models.path, "--queue", queue] + arguments
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        output.attach(stdout.fileHandleForReading)
        errors.attach(stderr.fileHandleForReading)
        try process.run()
        guard let ready = output.waitForLine(containing: "taking jobs from", timeout: 60) else {
            process.terminate()
            process.waitUntilExit()
            throw ProcessFailure("swerve worker did not report ready; stderr:\n\(errors.text)")
        }
        if let range = ready.range(of: "metrics on "),
           let port = ready[range.upperBound...].split(separator: ":").last.flatMap({ Int($0) }) {
            metricsPort = port
        }
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    var pid: Int32 { process.processIdentifier }
    var standardError: String { errors.text }

    func send(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits (bounded) for the process to exit; its status, or nil if still running.
    func waitForExit(timeout: TimeInterval) -> Int32? {
        let exited = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            self.process.waitUntilExit()
            exited.signal()
        }
        guard exited.wait(timeout: .now() + timeout) == .success else { return nil }
        return process.terminationStatus
    }
}
