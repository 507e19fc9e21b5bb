import Foundation

/// A `swerve serve` process of the topology (like `SwerveProcess`, but with
/// `FanOutTopology.binary`, so measurements can run a release build).
final class FanOutServerProcess {
    let process = Process()
    private(set) var port = 0
    private let output = LineCollector()
    private let errors = LineCollector()

    init(models: URL, arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = FanOutTopology.binary
        // REST off: these servers run side by side, and its default port 8501 would collide.
        process.arguments = ["serve", "--models", models.path, "--host", "127.0.0.1", "--port", "0", "--rest-port", "0"] + arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        output.attach(stdout.fileHandleForReading)
        errors.attach(stderr.fileHandleForReading)
        try process.run()
        // Bounded by the process: a server that exits (e.g. its port is taken) ends the wait at once.
        let deadline = Date().addingTimeInterval(60)
        var listening: String?
        while listening == nil && Date() < deadline {
            listening = output.waitForLine(containing: "listening on", timeout: 0.1)
            if listening == nil && !process.isRunning { break }
        }
        guard let line = listening, let range = line.range(of: "listening on "),
              let portText = line[range.upperBound...].split(separator: " ").first?.split(separator: ":").last,
              let port = Int(portText) else {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            throw ProcessFailure("swerve serve \(arguments.joined(separator: " ")) did not start; stderr:\n\(errors.text)")
        }
        self.port = port
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGCONT)
            process.terminate()
            process.waitUntilExit()
        }
    }

    var standardError: String { errors.text }

    func send(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits (bounded) for the process to exit; nil if it is still running.
    func waitForExit(timeout: TimeInterval) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) } // polling the exit, bounded
        return process.isRunning ? nil : process.terminationStatus
    }
}
