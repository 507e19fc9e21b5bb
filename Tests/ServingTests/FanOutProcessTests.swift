import Foundation
import ModelRuntime
import Transport
import Wire
import XCTest

/// The horizontal-microservice topology on loopback: three member `swerve
/// serve` processes (one binary iris model each) and one aggregator serving
/// `iris-ovr` (and test variants) with `--member` overrides.
final class FanOutProcessTests: XCTestCase {
    private var topology: FanOutTopology!

    override func setUpWithError() throws {
        topology = try FanOutTopology(testName: name.filter(\.isLetter))
    }

    override func tearDownWithError() throws {
        topology?.stop()
        topology = nil
    }

    // MARK: Aggregation

    func testBestLabelAgreesWithMulticlassIrisAndWithDirectPerMemberComputation() throws {
        let dataset = try IrisDataset.load()
        let client = try topology.aggregatorClient()
        defer { client.close() }

        let ovr = try predict(client, model: "iris-ovr", rows: dataset.rows)
        let labels = try FanOutTest.strings(ovr, "label")
        let probability = try FanOutTest.floats(ovr, "probability")
        XCTAssertEqual(labels.count, 150)
        XCTAssertNil(ovr.output(named: "errors"), "a whole answer lists no errors")

        // The multiclass model, served by the same aggregator process.
        let multiclass = try predict(client, model: "iris", rows: dataset.rows)
        let classNames = ["setosa", "versicolor", "virginica"]
        let multiclassLabels = try FanOutTest.int64s(multiclass, "label").map { classNames[Int($0)] }
        let agreeing = zip(labels, multiclassLabels).filter { $0 == $1 }.count
        XCTAssertGreaterThanOrEqual(agreeing, 143, "best_label agrees with iris on \(agreeing)/150 rows (need >= 95%)")

        // Each member asked directly: the positive class is label 1 of [0, 1].
        var scores: [[Float]] = []
        for (i, species) in FanOutTopology.species.enumerated() {
            let direct = try topology.memberClient(i)
            defer { direct.close() }
            let answer = try predict(direct, model: "iris-\(species)", rows: dataset.rows)
            let p = try FanOutTest.floats(answer, "probabilities")
            XCTAssertEqual(try FanOutTest.int64s(answer, "probabilities:labels"), [0, 1])
            let positive = (0..<150).map { p[$0 * 2 + 1] }
            scores.append(positive)
            XCTAssertEqual(try FanOutTest.floats(ovr, "\(species)/probability"), positive, "\(species)'s score passes through unchanged")
        }
        for row in 0..<150 {
            var winner = 0
            for m in 1..<3 where scores[m][row] > scores[winner][row] { winner = m }
            XCTAssertEqual(labels[row], FanOutTopology.species[winner], "row \(row)")
            XCTAssertEqual(probability[row], scores[winner][row], "row \(row)")
        }
    }

    func testCollectKeysEveryMembersOutputsByMemberName() throws {
        let client = try topology.aggregatorClient()
        defer { client.close() }
        let answer = try predict(client, model: "iris-collect", rows: [RequestFrames.irisRow])
        for species in FanOutTopology.species {
            XCTAssertEqual(try FanOutTest.int64s(answer, "\(species)/label").count, 1)
            XCTAssertEqual(try FanOutTest.floats(answer, "\(species)/probabilities").count, 2)
            XCTAssertEqual(try FanOutTest.int64s(answer, "\(species)/probabilities:labels"), [0, 1])
        }
        XCTAssertEqual(try FanOutTest.int64s(answer, "setosa/label"), [1], "the first iris row is a setosa")
    }

    func testOneProcessServesInProcessMembersAndAFanOutCanBeAMember() throws {
        // iris-ovr with its config as shipped (no endpoints): members in the same
        // process. "nested" collects that in-process fan-out and, as a remote
        // member, the topology's aggregator serving iris-ovr over the network.
        let repository = try TestPaths.repository(with: ["iris-setosa", "iris-versicolor", "iris-virginica", "iris-ovr"],
                                                  testName: "single")
        defer { try? FileManager.default.removeItem(at: repository) }
        let nested = repository.appendingPathComponent("nested")
        try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
        try Data(#"""
        {"fan_out": {"aggregate": "collect", "members": [
          {"name": "local", "model": "iris-ovr"},
          {"name": "remote", "model": "iris-ovr", "endpoint": "127.0.0.1:\#(topology.aggregator.port)"}]}}
        """#.utf8).write(to: nested.appendingPathComponent("config.json"))
        let single = try SwerveProcess(models: repository)
        defer {
            single.send(SIGTERM)
            _ = single.waitForExit(timeout: 30)
        }
        let client = try BlockingFrameClient(host: "127.0.0.1", port: single.port, connectTimeout: .seconds(10), ioTimeout: .seconds(60))
        defer { client.close() }
        let virginicaRow: [Float] = [6.7, 3.0, 5.2, 2.3]

        let ovr = try predict(client, model: "iris-ovr", rows: [RequestFrames.irisRow, virginicaRow])
        XCTAssertEqual(try FanOutTest.strings(ovr, "label"), ["setosa", "virginica"])

        let both = try predict(client, model: "nested", rows: [RequestFrames.irisRow, virginicaRow])
        XCTAssertEqual(try FanOutTest.strings(both, "local/label"), ["setosa", "virginica"])
        XCTAssertEqual(try FanOutTest.strings(both, "remote/label"), ["setosa", "virginica"])
        XCTAssertEqual(try FanOutTest.floats(both, "local/probability"), try FanOutTest.floats(both, "remote/probability"),
                       "in-process and remote members compute the same scores")
    }

    func testMembersCanComeFromTheSwerveMembersEnvironmentVariable() throws {
        // The aggregator repository holds no member models: only remote members can answer.
        let members = zip(FanOutTopology.species, topology.memberPorts).map { "\($0)=127.0.0.1:\($1)" }.joined(separator: ", ")
        let second = try FanOutServerProcess(models: topology.aggregatorRepository, arguments: [],
                                             environment: ["SWERVE_MEMBERS": members])
        defer {
            second.send(SIGTERM)
            _ = second.waitForExit(timeout: 30)
        }
        let client = try BlockingFrameClient(host: "127.0.0.1", port: second.port, connectTimeout: .seconds(10), ioTimeout: .seconds(60))
        defer { client.close() }
        XCTAssertEqual(try FanOutTest.strings(try predict(client, model: "iris-ovr", rows: [RequestFrames.irisRow]), "label"),
                       ["setosa"])
    }

    func testCLIPredictAndMetadataWorkOnAFanOutModel() throws {
        let server = "127.0.0.1:\(topology.aggregator.port)"
        let metadata = try runCommand(TestPaths.swerveBinary, ["metadata", "--server", server, "--model", "iris-ovr"])
        XCTAssertEqual(metadata.status, 0, metadata.stderr)
        let described = try JSONSerialization.jsonObject(with: Data(metadata.stdout.utf8)) as? [String: Any]
        let inputs = described?["inputs"] as? [[String: Any]]
        XCTAssertEqual(inputs?.first?["name"] as? String, "input", "the members' input")
        let outputs = (described?["outputs"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
        XCTAssertEqual(outputs, ["label", "probability", "setosa/probability", "versicolor/probability", "virginica/probability"])

        let predict = try runCommand(TestPaths.swerveBinary, ["predict", "--server", server, "--model", "iris-ovr",
                                                              "--data", "[[5.1,3.5,1.4,0.2],[6.7,3.0,5.2,2.3]]"])
        XCTAssertEqual(predict.status, 0, predict.stderr)
        let printed = try JSONSerialization.jsonObject(with: Data(predict.stdout.utf8)) as? [String: Any]
        XCTAssertEqual((printed?["outputs"] as? [String: Any])?["label"] as? [String], ["setosa", "virginica"], predict.stdout)
    }

    // MARK: Failures

    func testKilledMemberBestEffortAnswersWithTheOthersRequireAllIsUnavailableAndRestartHeals() throws {
        let client = try topology.aggregatorClient()
        defer { client.close() }
        _ = try predict(client, model: "iris-ovr", rows: [RequestFrames.irisRow]) // all connected

        topology.kill(member: 2)

        let started = ContinuousClock.now
        let partial = try predict(client, model: "iris-ovr-effort", rows: [RequestFrames.irisRow])
        XCTAssertLessThan(started.duration(to: .now), .milliseconds(FanOutTopology.memberTimeoutMs + 2000),
                          "best_effort answers within the member timeout")
        XCTAssertEqual(try FanOutTest.strings(partial, "label"), ["setosa"])
        XCTAssertNotNil(partial.output(named: "setosa/probability"))
        XCTAssertNotNil(partial.output(named: "versicolor/probability"))
        XCTAssertNil(partial.output(named: "virginica/probability"))
        let errors = try FanOutTest.strings(partial, "errors")
        XCTAssertEqual(errors.count, 1, "\(errors)")
        XCTAssertTrue(errors[0].hasPrefix("virginica: "), errors[0])

        let strict = try client.roundTrip(RequestFrames.predictIris(id: 99, model: "iris-ovr"))
        XCTAssertEqual(strict.status.code, .unavailable, strict.status.message)
        XCTAssertTrue(strict.status.message.contains("virginica"), strict.status.message)
        XCTAssertFalse(strict.status.message.contains("setosa ("), strict.status.message)

        // ListModels (what /health/all reads) reports the require_all model down, naming the member.
        let down = try FanOutTest.waitFor(timeout: .seconds(10)) { () -> [String: Wire.ModelVersionStatus]? in
            let states = try self.fanOutStates(client)
            return states["iris-ovr"]?.state == .failed ? states : nil
        }
        XCTAssertEqual(down["iris-ovr"]?.status.code, .unavailable)
        XCTAssertTrue(down["iris-ovr"]?.status.message.contains("virginica") ?? false, "\(String(describing: down["iris-ovr"]))")
        XCTAssertEqual(down["iris-ovr-effort"]?.state, .available, "best_effort still answers with two members")

        try topology.restart(member: 2)
        // The aggregator reconnects on its own (backoff); no restart of it.
        let healed = try FanOutTest.waitFor(timeout: .seconds(30)) { () -> PredictResponse? in
            let r = try client.roundTrip(RequestFrames.predictIris(id: 100, model: "iris-ovr"))
            guard r.status.isOK, case .predict(let p)? = r.result else { return nil }
            return p
        }
        XCTAssertNotNil(healed.output(named: "virginica/probability"))
        let effort = try predict(client, model: "iris-ovr-effort", rows: [RequestFrames.irisRow])
        XCTAssertNil(effort.output(named: "errors"), "whole again")
        XCTAssertEqual(try fanOutStates(client)["iris-ovr"]?.state, .available)
    }

    func testHungMemberDoesNotHoldTheCallPastItsTimeoutNorPastTheCallersDeadline() throws {
        let client = try topology.aggregatorClient()
        defer { client.close() }
        _ = try predict(client, model: "iris-ovr", rows: [RequestFrames.irisRow])

        topology.suspend(member: 1)
        defer { topology.resume(member: 1) }

        var started = ContinuousClock.now
        let partial = try predict(client, model: "iris-ovr-effort", rows: [RequestFrames.irisRow])
        let elapsed = started.duration(to: .now)
        XCTAssertGreaterThanOrEqual(elapsed, .milliseconds(FanOutTopology.memberTimeoutMs - 50), "waited for the member's timeout")
        XCTAssertLessThan(elapsed, .milliseconds(FanOutTopology.memberTimeoutMs + 2000), "but not much longer")
        let errors = try FanOutTest.strings(partial, "errors")
        XCTAssertEqual(errors.count, 1, "\(errors)")
        XCTAssertTrue(errors[0].hasPrefix("versicolor: no answer within"), errors[0])
        XCTAssertNil(partial.output(named: "versicolor/probability"))

        let strict = try client.roundTrip(RequestFrames.predictIris(id: 7, model: "iris-ovr"))
        XCTAssertEqual(strict.status.code, .unavailable, strict.status.message)
        XCTAssertTrue(strict.status.message.contains("versicolor"), strict.status.message)

        // The caller's deadline (300 ms) is shorter than the member timeout (1 s) and bounds the call.
        started = .now
        let bounded = try client.roundTrip(RequestFrames.predictIris(id: 8, model: "iris-ovr", timeoutMs: 300))
        XCTAssertLessThan(started.duration(to: .now), .milliseconds(FanOutTopology.memberTimeoutMs),
                          "the caller's deadline, not the member timeout, ended the call")
        XCTAssertEqual(bounded.status.code, .deadlineExceeded, bounded.status.message)
        XCTAssertTrue(bounded.status.message.contains("versicolor"), bounded.status.message)
    }

    func testMemberAnswersErrorsTravelBackNamed() throws {
        let client = try topology.aggregatorClient()
        defer { client.close() }
        // Three features instead of four: every member rejects it.
        let threeFeatures = PredictRequest(modelSpec: ModelSpec(name: "iris-ovr"),
                                           inputs: [NamedTensor("input", Tensor(shape: [1, 3], floats: [1, 2, 3]))])
        let bad = try client.roundTrip(Request(id: 5, call: .predict(threeFeatures)))
        XCTAssertEqual(bad.status.code, .invalidArgument, bad.status.message)
        XCTAssertTrue(bad.status.message.contains("setosa") && bad.status.message.contains("virginica"), bad.status.message)
        let versioned = try client.roundTrip(RequestFrames.predictIris(id: 6, model: "iris-ovr", version: 1))
        XCTAssertEqual(versioned.status.code, .invalidArgument, versioned.status.message)
    }

    // MARK: Helpers

    /// The single status ListModels reports for each fan-out model.
    private func fanOutStates(_ client: BlockingFrameClient) throws -> [String: Wire.ModelVersionStatus] {
        let response = try client.roundTrip(Request(id: 3, call: .listModels(ListModelsRequest())))
        guard case .listModels(let list)? = response.result else { throw ProcessFailure("list_models: \(response.status)") }
        var states: [String: Wire.ModelVersionStatus] = [:]
        for model in list.models where model.name.hasPrefix("iris-ovr") {
            states[model.name] = model.versions.first
        }
        return states
    }

    private func predict(_ client: BlockingFrameClient, model: String, rows: [[Float]],
                         file: StaticString = #filePath, line: UInt = #line) throws -> PredictResponse {
        let response = try client.roundTrip(RequestFrames.predictIris(id: 1, rows: rows, model: model))
        guard response.status.isOK, case .predict(let p)? = response.result else {
            throw ProcessFailure("predict \(model): \(response.status)")
        }
        return p
    }
}

// MARK: - Shared support for the fan-out process tests

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

    init(testName: String) throws {
        var ports: [Int] = []
        for species in Self.species {
            let repository = try TestPaths.repository(with: ["iris-\(species)"], testName: "\(testName)-\(species)")
            memberRepositories.append(repository)
            let port = try FanOutTest.freeLoopbackPort()
            ports.append(port)
            members.append(try FanOutServerProcess(models: repository, arguments: ["--port", String(port)]))
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
        aggregator = try FanOutServerProcess(models: aggregatorRepository, arguments: arguments)
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

    func suspend(member index: Int) {
        members[index]?.send(SIGSTOP)
        suspended.insert(index)
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

/// A `swerve serve` process of the topology (like `SwerveProcess`, but with
/// `FanOutTopology.binary`, so measurements can run a release build).
final class FanOutServerProcess {
    let process = Process()
    private(set) var port = 0
    private let output = LineCollector()
    private let errors = LineCollector()

    init(models: URL, arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = FanOutTopology.binary
        process.arguments = ["serve", "--models", models.path, "--host", "127.0.0.1", "--port", "0"] + arguments
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

/// The 150 rows of the iris data set (models/iris_dataset.json).
struct IrisDataset {
    var rows: [[Float]]
    var target: [Int]

    static func load() throws -> IrisDataset {
        let url = TestPaths.models.appendingPathComponent("iris_dataset.json")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
        guard let data = object?["data"] as? [[Double]], let target = object?["target"] as? [Int] else {
            throw ProcessFailure("\(url.path) holds no data/target arrays")
        }
        return IrisDataset(rows: data.map { $0.map(Float.init) }, target: target)
    }
}

/// Helpers of the fan-out process tests.
enum FanOutTest {
    /// A port free on 127.0.0.1 right now (bound to port 0, then released).
    static func freeLoopbackPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ProcessFailure("socket: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw ProcessFailure("bind: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw ProcessFailure("getsockname: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Calls `attempt` until it returns a value, or fails after `timeout`.
    static func waitFor<T>(timeout: Duration, every interval: TimeInterval = 0.05, _ attempt: () throws -> T?) throws -> T {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            if let value = try attempt() { return value }
            if ContinuousClock.now >= deadline { throw ProcessFailure("condition not met within \(timeout)") }
            Thread.sleep(forTimeInterval: interval) // polling pace; the condition is what we wait on
        }
    }

    static func strings(_ response: PredictResponse, _ name: String) throws -> [String] {
        guard case .string(let v)? = response.output(named: name)?.storage else {
            throw ProcessFailure("no string output '\(name)' in \(response.outputs.map(\.name))")
        }
        return v
    }

    static func floats(_ response: PredictResponse, _ name: String) throws -> [Float] {
        guard case .float(let v)? = response.output(named: name)?.storage else {
            throw ProcessFailure("no float output '\(name)' in \(response.outputs.map(\.name))")
        }
        return v
    }

    static func int64s(_ response: PredictResponse, _ name: String) throws -> [Int64] {
        guard case .int64(let v)? = response.output(named: name)?.storage else {
            throw ProcessFailure("no int64 output '\(name)' in \(response.outputs.map(\.name))")
        }
        return v
    }
}
