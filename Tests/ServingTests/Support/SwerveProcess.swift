import Foundation
import XCTest

/// A real `swerve serve` process on a free loopback port.
final class SwerveProcess {
    let process = Process()
    private(set) var port = 0
    /// The in-process REST adapter's port, when REST is on.
    private(set) var restPort: Int?
    private let output = LineCollector()
    private let errors = LineCollector()

    /// Starts `swerve serve --models DIR --port 0 ...` and waits (bounded)
    /// until it prints the line saying where it listens.
    init(models: URL, arguments: [String] = [], file: StaticString = #filePath, line: UInt = #line) throws {
        process.executableURL = TestPaths.swerveBinary
        process.arguments = ["serve", "--models", models.path, "--host", "127.0.0.1", "--port", "0", "--rest-port=-1"] + arguments
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        output.attach(stdout.fileHandleForReading)
        errors.attach(stderr.fileHandleForReading)
        try process.run()
        guard let listening = output.waitForLine(containing: "listening on", timeout: 60) else {
            process.terminate()
            process.waitUntilExit()
            throw ProcessFailure("swerve did not report listening; stderr:\n\(errors.text)")
        }
        // "... listening on 127.0.0.1:PORT (binary protocol) ..."
        guard let range = listening.range(of: "listening on "),
              let portText = listening[range.upperBound...].split(separator: " ").first?.split(separator: ":").last,
              let port = Int(portText) else {
            throw ProcessFailure("cannot read the port from: \(listening)")
        }
        self.port = port
        // "swerve REST on 127.0.0.1:PORT (HTTP/JSON)", printed before the line above.
        if let rest = output.waitForLine(containing: "swerve REST on", timeout: 1),
           let text = rest.split(separator: " ").dropFirst(3).first?.split(separator: ":").last {
            restPort = Int(text)
        }
    }

    deinit {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    /// Everything the server wrote to standard error so far.
    var standardError: String { errors.text }

    /// Sends `signal` to the server.
    func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits (bounded) for the process to exit; returns its exit status, or
    /// nil if it is still running after `timeout` seconds.
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

struct ProcessFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Collects a pipe's output as lines, readable from any thread.
final class LineCollector: @unchecked Sendable {
    private let lock = NSCondition()
    private var buffer = ""
    /// Signalled once when the pipe reaches end of file.
    fileprivate let closed = DispatchSemaphore(value: 0)

    func attach(_ handle: FileHandle) {
        let thread = Thread { [self] in
            while true {
                let data = handle.availableData
                if data.isEmpty {
                    closed.signal()
                    break
                }
                lock.lock()
                buffer += String(decoding: data, as: UTF8.self)
                lock.broadcast()
                lock.unlock()
            }
        }
        thread.start()
    }

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return buffer
    }

    /// The first line containing `needle`, waiting up to `timeout` seconds for it.
    func waitForLine(containing needle: String, timeout: TimeInterval) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        lock.lock()
        defer { lock.unlock() }
        while true {
            if let line = buffer.split(separator: "\n").first(where: { $0.contains(needle) }) {
                return String(line)
            }
            if !lock.wait(until: deadline) { return nil }
        }
    }
}

/// Runs a command to completion (bounded) and returns its exit status and output.
func runCommand(_ executable: URL, _ arguments: [String], environment: [String: String] = [:],
                timeout: TimeInterval = 60) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if !environment.isEmpty {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    let out = LineCollector()
    let err = LineCollector()
    let outPipe = Pipe()
    let errPipe = Pipe()
    process.standardOutput = outPipe
    process.standardError = errPipe
    out.attach(outPipe.fileHandleForReading)
    err.attach(errPipe.fileHandleForReading)
    try process.run()
    let exited = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
        process.waitUntilExit()
        exited.signal()
    }
    guard exited.wait(timeout: .now() + timeout) == .success else {
        process.terminate()
        throw ProcessFailure("\(executable.lastPathComponent) \(arguments.joined(separator: " ")) did not finish in \(timeout) s")
    }
    // The reader threads see EOF right after exit; wait for it so no output is lost.
    _ = out.waitForEOF(timeout: 10)
    _ = err.waitForEOF(timeout: 10)
    return (process.terminationStatus, out.text, err.text)
}

extension LineCollector {
    /// Waits until the pipe has closed (bounded).
    func waitForEOF(timeout: TimeInterval) -> Bool { closed.wait(timeout: .now() + timeout) == .success }
}
