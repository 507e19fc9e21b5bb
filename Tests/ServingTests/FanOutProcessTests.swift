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
