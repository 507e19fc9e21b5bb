import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real `rabbitmq-server` on free loopback ports, for tests and scripts:
/// started directly (the /usr/sbin wrapper switches user), with its node
/// name, data, logs, config, plugins file and Erlang cookie (HOME) in a
/// temporary directory, so several brokers run side by side without systemd.
/// `stop()` then `start()` restarts it on the same ports and data.
public final class RabbitMQServerProcess: @unchecked Sendable {
    public let port: Int
    public let distributionPort: Int
    public let nodeName: String
    public let directory: URL
    private var process: Process?

    /// The broker's start script; a missing one fails the test (never skips).
    public static func executable() throws -> URL {
        let path = "/usr/lib/rabbitmq/bin/rabbitmq-server"
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw RedisTestFailure("rabbitmq-server is not installed (make test-deps installs it)")
        }
        return URL(fileURLWithPath: path)
    }

    public init() throws {
        port = try RedisServerProcess.freePort()
        var dist = try RedisServerProcess.freePort()
        while dist == port { dist = try RedisServerProcess.freePort() }
        distributionPort = dist
        nodeName = "rabbit-test-\(getpid())-\(port)@localhost"
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("swerve-rabbitmq-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // No plugins, and the loopback-only listener; the guest user may log
        // in over loopback by default.
        try "[].\n".write(to: directory.appendingPathComponent("enabled_plugins"), atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: directory.appendingPathComponent("server.out").path, contents: nil)
        try "listeners.tcp.default = 127.0.0.1:\(port)\n".write(to: directory.appendingPathComponent("rabbitmq.conf"), atomically: true, encoding: .utf8)
        try start()
    }

    deinit {
        kill()
        try? FileManager.default.removeItem(at: directory)
    }

    /// `amqp://guest:guest@127.0.0.1:PORT/`.
    public var url: String { "amqp://guest:guest@127.0.0.1:\(port)/" }
    public var pid: Int32 { process?.processIdentifier ?? 0 }

    /// The environment that points rabbitmq-server (and rabbitmqctl) at this node.
    public var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        let d = directory.path
        env["HOME"] = d
        env["RABBITMQ_NODENAME"] = nodeName
        env["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1"
        env["RABBITMQ_NODE_PORT"] = "\(port)"
        env["RABBITMQ_DIST_PORT"] = "\(distributionPort)"
        env["RABBITMQ_MNESIA_BASE"] = d + "/mnesia"
        env["RABBITMQ_LOG_BASE"] = d + "/log"
        env["RABBITMQ_ENABLED_PLUGINS_FILE"] = d + "/enabled_plugins"
        env["RABBITMQ_CONFIG_FILE"] = d + "/rabbitmq"
        env["RABBITMQ_ADVANCED_CONFIG_FILE"] = d + "/advanced.config"
        env["RABBITMQ_CONF_ENV_FILE"] = d + "/rabbitmq-env.conf"
        env["RABBITMQ_PID_FILE"] = d + "/broker.pid"
        // Erlang distribution on loopback only.
        env["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}"
        return env
    }

    /// Starts (or restarts, same ports and data) the broker and waits,
    /// bounded, until it answers the AMQP protocol header.
    public func start(timeout: TimeInterval = 60) throws {
        let p = Process()
        p.executableURL = try Self.executable()
        p.environment = environment
        let log = FileHandle(forWritingAtPath: directory.appendingPathComponent("server.out").path)
        log?.seekToEndOfFile()
        p.standardOutput = log ?? FileHandle.nullDevice
        p.standardError = log ?? FileHandle.nullDevice
        try p.run()
        process = p
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if !p.isRunning {
                throw RedisTestFailure("rabbitmq-server exited with status \(p.terminationStatus); see \(directory.path)/server.out")
            }
            if answersAMQP() && brokerPID != nil { return }
            usleep(100_000)  // polling a condition with a deadline, not a fixed wait
        }
        throw RedisTestFailure("rabbitmq-server on port \(port) did not answer AMQP within \(Int(timeout)) s")
    }

    /// The Erlang VM's pid from the pid file: the start script forks the VM
    /// and traps signals, so the script's own pid is not the broker's.
    public var brokerPID: Int32? {
        guard let text = try? String(contentsOf: directory.appendingPathComponent("broker.pid"), encoding: .utf8) else { return nil }
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// SIGTERM to the VM (a clean broker shutdown), then waits, bounded, until it is gone.
    public func stop(timeout: TimeInterval = 60) {
        signalBroker(SIGTERM, timeout: timeout)
    }

    /// SIGKILL to the VM and the start script, then waits until the VM is gone.
    public func kill() {
        signalBroker(SIGKILL, timeout: 30)
    }

    private func signalBroker(_ signal: Int32, timeout: TimeInterval) {
        defer {
            if let p = process, p.isRunning { Glibc.kill(p.processIdentifier, SIGKILL) }
            process = nil
        }
        guard let pid = brokerPID, Self.isAlive(pid) else { return }
        Glibc.kill(pid, signal)
        let deadline = Date().addingTimeInterval(timeout)
        while Self.isAlive(pid) && Date() < deadline { usleep(50_000) }  // poll with a deadline
        if Self.isAlive(pid) { Glibc.kill(pid, SIGKILL) }
        try? FileManager.default.removeItem(at: directory.appendingPathComponent("broker.pid"))
    }

    /// Running and not a zombie (an orphaned VM may wait a while to be reaped).
    private static func isAlive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
        return state != "Z" && state != "X"
    }

    /// Sends the AMQP 0-9-1 protocol header and checks the reply is a method
    /// frame (connection.start): the broker is accepting connections.
    public func answersAMQP() -> Bool {
        guard let fd = try? connectLoopback(port: port, timeoutSeconds: 2) else { return false }
        defer { close(fd) }
        let header: [UInt8] = [0x41, 0x4D, 0x51, 0x50, 0, 0, 9, 1]
        guard write(fd, header, header.count) == header.count else { return false }
        var reply = [UInt8](repeating: 0, count: 8)
        return read(fd, &reply, reply.count) > 0 && reply[0] == 1
    }
}
