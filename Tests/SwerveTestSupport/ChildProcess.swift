import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A command run with posix_spawn, its output going to files (read after
/// exit, so a chatty child never blocks on a full pipe), its exit status or
/// signal reported as a shell does (128 + signal).
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    private let outputPath: String
    private let errorPath: String
    public private(set) var status: Int32?

    public init(_ executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("swerve-child-\(UUID().uuidString)").path
        outputPath = base + ".out"
        errorPath = base + ".err"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = ([executable.path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, executable.path, &actions, nil, argv, envp)
        guard result == 0 else { throw ChildProcessFailure("cannot start \(executable.path): \(String(cString: strerror(result)))") }
        pid = child
    }

    deinit {
        if status == nil {
            kill(pid, SIGKILL)
            _ = try? wait(timeout: 10)
        }
        unlink(outputPath)
        unlink(errorPath)
    }

    public func send(_ signal: Int32) { kill(pid, signal) }

    /// Waits (bounded by `timeout` stretched by ``TestTiming/scale``, polling)
    /// for the exit; returns the exit code, or 128 + signal when a signal ended it.
    @discardableResult
    public func wait(timeout: TimeInterval) throws -> Int32 {
        if let status { return status }
        let deadline = Date().addingTimeInterval(TestTiming.scaled(timeout))
        var raw: Int32 = 0
                while true {
            let reaped = waitpid(pid, &raw, WNOHANG)
            if reaped == pid { break }
            if reaped < 0 && errno != EINTR { throw ChildProcessFailure("wait4(\(pid)) failed: \(String(cString: strerror(errno)))") }
            if Date() > deadline { throw ChildProcessFailure("process \(pid) still running after \(TestTiming.scaled(timeout)) s; stderr:\n\(standardError)") }
            usleep(10_000)  // pace of a poll with a deadline
        }
        let signal = raw & 0x7F
        let code = signal == 0 ? (raw >> 8) & 0xFF : 128 + signal
        status = code
        return code
    }

    public var standardOutput: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
    public var standardError: String { (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "" }

    /// Runs to completion (bounded) and returns the process, reaped.
    public static func run(_ executable: URL, _ arguments: [String], environment: [String: String] = [:],
                           timeout: TimeInterval = 120) throws -> ChildProcess {
        let child = try ChildProcess(executable, arguments, environment: environment)
        try child.wait(timeout: timeout)
        return child
    }
}

public struct ChildProcessFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
