import Foundation

/// A real `swerve rest --upstream 127.0.0.1:PORT --port 0` process.
final class RESTAdapterProcess {
    let process = Process()
    private(set) var port = 0
    private let output = LineCollector()
    private let errors = LineCollector()

    init(upstreamPort: Int, arguments: [String] = []) throws {
        process.executableURL = TestPaths.swerveBinary
        process.arguments = ["rest", "--upstream", "127.0.0.1:\(upstreamPort)", "--host", "127.0.0.1", "--port", "0"] + arguments
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        output.attach(stdout.fileHandleForReading)
        errors.attach(stderr.fileHandleForReading)
        try process.run()
        // "swerve REST on 127.0.0.1:PORT (HTTP/JSON), upstream ..."
        guard let line = output.waitForLine(containing: "swerve REST on", timeout: 60),
              let text = line.split(separator: " ").dropFirst(3).first?.split(separator: ":").last,
              let port = Int(text) else {
            process.terminate()
            process.waitUntilExit()
            throw ProcessFailure("swerve rest did not report its port; stderr:\n\(errors.text)")
        }
        self.port = port
    }

    deinit {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}
