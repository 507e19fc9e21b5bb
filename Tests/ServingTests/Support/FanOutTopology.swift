import Foundation
import SwerveTestSupport
import Transport

/// Three member processes (iris-setosa, iris-versicolor, iris-virginica, each
/// alone in its own repository, on ports chosen up front so a restarted
/// member comes back on the same one) and an aggregator process.
final class FanOutTopology {
    static let species = ["setosa", "versicolor", "virginica"]
    static let memberTimeoutMs = 1000
    static let poolSize = 4

    private(set) var members: [FanOutServerProcess?] = []
    let memberPorts: [Int]
    private var memberRepositories: [URL] = []
    private var suspended: Set<Int> = []
    let aggregatorRepository: URL
    let aggregator: FanOutServerProcess

    /// The `swerve` binary: SWERVE_BINARY if set (e.g. a release build for
    /// measurements), else the one built beside the tests.
    static let binary: URL = ProcessInfo.processInfo.environment["SWERVE_BINARY"].map { URL(fileURLWithPath: $0) }
        ?? TestPaths.swerveBinary
    static var binaryDescription: String { binary.path }

    /// - Parameters:
    ///   - memberArguments: added to every member's command line (e.g. `--auth-tokens`).
    ///   - aggregatorArguments: added to the aggregator's (e.g. `--member-token`).
    init(testName: String, memberArguments: [String] = [], aggregatorArguments: [String] = []) throws {
        var ports: [Int] = []
        for species in Self.species {
            let repository = try TestPaths.repository(with: ["iris-\(species)"], testName: "\(testName)-\(species)")
            memberRepositories.append(repository)
            let port = try FanOutTest.freeLoopbackPort()
            ports.append(port)
            members.append(try FanOutServerProcess(models: repository, arguments: ["--port", String(port)] + memberArguments))
        }
        memberPorts = ports

        aggregatorRepository = try TestPaths.repository(with: ["iris", "iris-ovr"], testName: "\(testName)-aggregator")
        func fanOut(_ aggregate: String, _ failure: String, timeoutMs: Int = Self.memberTimeoutMs) -> String {
            let members = Self.species.map { #"{"name": "\#($0)", "model": "iris-\#($0)"}"# }.joined(separator: ", ")
            return #"{"fan_out": {"aggregate": "\#(aggregate)", "failure": "\#(failure)", "timeout_ms": \#(timeoutMs), "#
                + #""pool_size": \#(Self.poolSize), "members": [\#(members)]}}"#
        }
        for (name, config) in [("iris-ovr-effort", fanOut("best_label", "best_effort")),
                               ("iris-collect", fanOut("collect", "require_all")),
                               // For the load test: a machine busy with other work must not turn it into a timeout test.
                               ("iris-ovr-patient", fanOut("best_label", "require_all", timeoutMs: 30_000))] {
            let dir = aggregatorRepository.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try Data(config.utf8).write(to: dir.appendingPathComponent("config.json"))
        }
        var arguments: [String] = []
        for (species, port) in zip(Self.species, ports) {
            arguments += ["--member", "\(species)=127.0.0.1:\(port)"]
        }
        aggregator = try FanOutServerProcess(models: aggregatorRepository, arguments: arguments + aggregatorArguments)
    }

    func aggregatorClient() throws -> BlockingFrameClient {
        try BlockingFrameClient(host: "127.0.0.1", port: aggregator.port, connectTimeout: .seconds(10), ioTimeout: .seconds(60))
    }

    func memberClient(_ index: Int) throws -> BlockingFrameClient {
        try BlockingFrameClient(host: "127.0.0.1", port: memberPorts[index], connectTimeout: .seconds(10), ioTimeout: .seconds(60))
    }

    /// SIGKILLs a member and waits until it is gone.
    func kill(member index: Int) {
        guard let process = members[index] else { return }
        process.send(SIGKILL)
        _ = process.waitForExit(timeout: 30)
        members[index] = nil
    }

    /// Starts a killed member again on its old port.
    func restart(member index: Int) throws {
        // The old socket may linger briefly; retry the bind for a while.
        let deadline = ContinuousClock.now.advanced(by: .seconds(20))
        while true {
            do {
                members[index] = try FanOutServerProcess(models: memberRepositories[index],
                                                   arguments: ["--port", String(memberPorts[index])])
                return
            } catch {
                if ContinuousClock.now >= deadline { throw error }
                Thread.sleep(forTimeInterval: 0.1) // retry pacing, not synchronisation
            }
        }
    }

    /// Stops member `index` (SIGSTOP) and waits until every one of its
    /// threads is stopped: `kill` returns before the signal has taken
    /// effect, and a member still running could answer the next call.
    func suspend(member index: Int) {
        guard let member = members[index] else { return }
        member.send(SIGSTOP)
        suspended.insert(index)
        let pid = member.process.processIdentifier
        waitUntil("member \(index) (pid \(pid)) has stopped") { Self.everyThreadStopped(pid) }
    }

    /// Whether every thread of process `pid` is in state T (stopped), from /proc.
    private static func everyThreadStopped(_ pid: Int32) -> Bool {
        guard let threads = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task"),
              !threads.isEmpty else { return false }
        return threads.allSatisfy { thread in
            // "pid (name) state …": the state follows the last ')'.
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/task/\(thread)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            return stat[close...].dropFirst(2).first == "T"
        }
    }

    func resume(member index: Int) {
        members[index]?.send(SIGCONT)
        suspended.remove(index)
    }

    /// Established TCP connections that process `pid` holds to `port` on
    /// loopback: its sockets (by inode, from /proc/PID/fd) whose remote port
    /// is `port` in /proc/net/tcp{,6}.
    static func establishedConnections(fromProcess pid: Int32, toPort port: Int) -> Int {
        var inodes: Set<Substring> = []
        let fdDirectory = "/proc/\(pid)/fd"
        for fd in (try? FileManager.default.contentsOfDirectory(atPath: fdDirectory)) ?? [] {
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: fdDirectory + "/" + fd),
                  target.hasPrefix("socket:[") else { continue }
            inodes.insert(Substring(target.dropFirst(8).dropLast()))
        }
        // A set: /proc/net/tcp is read in pages while sockets come and go, and
        // can then show an entry twice.
        var counted: Set<Substring> = []
        for file in ["/proc/net/tcp", "/proc/net/tcp6"] {
            // /proc files report size 0, so read them to the end rather than by their size.
            guard let handle = FileHandle(forReadingAtPath: file) else { continue }
            let text = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
            handle.closeFile()
            for line in text.split(separator: "\n").dropFirst() {
                // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                guard fields.count > 9, fields[3] == "01", inodes.contains(fields[9]),
                      let portHex = fields[2].split(separator: ":").last, Int(portHex, radix: 16) == port else { continue }
                counted.insert(fields[9])
            }
        }
        return counted.count
    }

    func stop() {
        for index in suspended { members[index]?.send(SIGCONT) }
        suspended.removeAll()
        aggregator.send(SIGTERM)
        _ = aggregator.waitForExit(timeout: 30)
        for member in members.compactMap({ $0 }) {
            member.send(SIGTERM)
            _ = member.waitForExit(timeout: 30)
        }
        members.removeAll()
        for url in memberRepositories + [aggregatorRepository] { try? FileManager.default.removeItem(at: url) }
    }
}
