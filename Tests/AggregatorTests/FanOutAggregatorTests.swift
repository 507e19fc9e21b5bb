import Aggregator
import Foundation
import Logging
import ModelRuntime
import ModelServer
import Primitives
import Synchronization
import Transport
import Wire
import XCTest

/// The engine against in-test members: `FrameServer`s answering Predict with
/// a fixed positive-class probability, and in-process members (a closure).
final class FanOutAggregatorTests: XCTestCase {
    private var group: EventLoopGroup!
    private var root: URL!
    private var repository: ModelRepository!
    private let logger = Logger(label: "aggregator-test")

    override func setUpWithError() throws {
        group = try EventLoopGroup(loopCount: 2, name: "agg-test")
        root = FileManager.default.temporaryDirectory.appendingPathComponent("swerve-agg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    override func tearDown() {
        repository?.stop()
        group.shutdown()
        try? FileManager.default.removeItem(at: root)
    }

    private func writeConfig(_ model: String, _ json: String) throws {
        let dir = root.appendingPathComponent(model)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data(json.utf8).write(to: dir.appendingPathComponent("config.json"))
    }

    private func startRepository() throws {
        repository = ModelRepository(root: root.path, pollInterval: .seconds(60), logger: logger)
        try repository.start()
    }

    private func startMember(_ handler: FrameHandler, port: Int = 0) throws -> FrameServer {
        let server = try FrameServer(host: "127.0.0.1", port: port, handler: handler)
        addTeardownBlock { server.shutdown(grace: .milliseconds(100)) }
        return server
    }

    private func request(_ model: String) -> PredictRequest {
        PredictRequest(modelSpec: ModelSpec(name: model),
                       inputs: [NamedTensor("input", Tensor(shape: [1, 4], floats: [5.1, 3.5, 1.4, 0.2]))])
    }

    /// Runs one fan-out Predict and waits (bounded) for its answer.
    private func call(_ aggregator: FanOutAggregator, _ model: String,
                      deadline: ContinuousClock.Instant? = nil) throws -> Result<PredictResponse, WireError> {
        let box = Locked<Result<PredictResponse, WireError>?>(nil)
        let done = DispatchSemaphore(value: 0)
        aggregator.predict(request(model), deadline: deadline) { result in
            box.withLock { $0 = result }
            done.signal()
        }
        XCTAssertEqual(done.wait(timeout: .now() + 20), .success, "the fan-out call completed")
        return try XCTUnwrap(box.withLock { $0 })
    }

    private func local(_ positive: Float) -> FanOutAggregator.LocalPredict {
        { request, _, completion in completion(.success(Members.binary(positive, model: request.modelSpec.name))) }
    }

    func testRemoteAndInProcessMembersAreCombined() throws {
        let remote = try startMember(Members.Answering(positive: 0.8))
        try writeConfig("ovr", #"""
        {"fan_out": {"aggregate": "best_label", "pool_size": 2, "members": [
          {"name": "near", "model": "m-near"},
          {"name": "far", "model": "m-far", "endpoint": "127.0.0.1:\#(remote.boundPort)"}]}}
        """#)
        try startRepository()
        let aggregator = FanOutAggregator(repository: repository, loops: group.loops, logger: logger, local: local(0.3))
        defer { aggregator.shutdown() }
        XCTAssertTrue(aggregator.serves(model: "ovr"))
        XCTAssertFalse(aggregator.serves(model: "m-near"))

        let answer = try call(aggregator, "ovr").get()
        guard case .string(let label)? = answer.output(named: "label")?.storage else { return XCTFail("\(answer.outputs)") }
        XCTAssertEqual(label, ["far"])
        XCTAssertEqual(answer.modelSpec.name, "ovr")

        // Many calls in flight at once share the two pooled connections.
        let remaining = Atomic<Int>(500)
        let failures = Atomic<Int>(0)
        let done = DispatchSemaphore(value: 0)
        for _ in 0..<500 {
            aggregator.predict(request("ovr"), deadline: nil) { result in
                if case .failure = result { failures.add(1, ordering: .relaxed) }
                if remaining.subtract(1, ordering: .relaxed).newValue == 0 { done.signal() }
            }
        }
        XCTAssertEqual(done.wait(timeout: .now() + 30), .success)
        XCTAssertEqual(failures.load(ordering: .relaxed), 0)
        XCTAssertLessThanOrEqual(remote.statistics().acceptedConnections, 2, "no connection beyond the pool")

        let described = Locked<Result<GetModelMetadataResponse, WireError>?>(nil)
        let answered = DispatchSemaphore(value: 0)
        aggregator.metadata(GetModelMetadataRequest(modelSpec: ModelSpec(name: "ovr")), deadline: nil) { result in
            described.withLock { $0 = result }
            answered.signal()
        }
        XCTAssertEqual(answered.wait(timeout: .now() + 10), .success)
        // "near" is in-process without a metadata closure: best-effort description is not allowed for require_all.
        guard case .failure(let metadataError)? = described.withLock({ $0 }) else { return XCTFail("described without near") }
        XCTAssertTrue(metadataError.message.contains("near"), metadataError.message)

                let health = aggregator.memberHealth()
        XCTAssertEqual(health.map(\.member), ["near", "far"])
        XCTAssertEqual(health[1].state, .connected)
        XCTAssertEqual(health[1].poolSize, 2)
        XCTAssertEqual(health[0].state, .unreachable, "m-near is not a model of this repository")
    }

    func testDeadMemberBestEffortListsItsErrorRequireAllIsUnavailableAndItReconnects() throws {
        let alive = try startMember(Members.Answering(positive: 0.6))
        var dead: FrameServer? = try FrameServer(host: "127.0.0.1", port: 0, handler: Members.Answering(positive: 0.9))
        let deadPort = dead!.boundPort
        let members = #"""
        [{"name": "alive", "endpoint": "127.0.0.1:\#(alive.boundPort)"}, {"name": "dead", "endpoint": "127.0.0.1:\#(deadPort)"}]
        """#
        try writeConfig("effort", #"{"fan_out": {"aggregate": "best_label", "failure": "best_effort", "members": \#(members)}}"#)
        try writeConfig("strict", #"{"fan_out": {"aggregate": "best_label", "members": \#(members)}}"#)
        try startRepository()
        let aggregator = FanOutAggregator(repository: repository, loops: group.loops,
                                          backoff: ReconnectBackoff(initial: .milliseconds(20), maximum: .milliseconds(200)),
                                          logger: logger, local: local(0))
        defer { aggregator.shutdown() }
        XCTAssertNoThrow(try call(aggregator, "strict").get())

        dead!.shutdown(grace: .zero)
        dead = nil
        let partial = try call(aggregator, "effort").get()
        guard case .string(let errors)? = partial.output(named: "errors")?.storage,
              case .string(let label)? = partial.output(named: "label")?.storage else {
            return XCTFail("\(partial.outputs.map(\.name))")
        }
        XCTAssertEqual(label, ["alive"])
        XCTAssertEqual(errors.count, 1)
        XCTAssertTrue(errors[0].hasPrefix("dead: "), errors[0])

        guard case .failure(let error) = try call(aggregator, "strict") else { return XCTFail("require_all answered") }
        XCTAssertEqual(error.code, .unavailable)
        XCTAssertTrue(error.message.contains("dead") && error.message.contains("require_all"), error.message)
        XCTAssertTrue(aggregator.memberHealth().contains { $0.member == "dead" && $0.state == .unreachable && $0.lastError != nil })
        let readiness = Dictionary(uniqueKeysWithValues: aggregator.readiness().map { ($0.model, $0) })
        XCTAssertEqual(readiness["effort"]?.ready, true, "best_effort answers with one member")
        XCTAssertEqual(readiness["strict"]?.ready, false)
        XCTAssertTrue(readiness["strict"]?.problem?.contains("dead (127.0.0.1:\(deadPort)") ?? false,
                      "\(String(describing: readiness["strict"]))")

        // Back on the same port: the pool reconnects by itself.
        let revived = try startMember(Members.Answering(positive: 0.9), port: deadPort)
        _ = revived
        let deadline = ContinuousClock.now.advanced(by: .seconds(20))
        var healed = false
        while !healed && ContinuousClock.now < deadline {
            if case .success(let r) = try call(aggregator, "strict"), case .string(let l)? = r.output(named: "label")?.storage {
                healed = l == ["dead"]
            }
            if !healed { Thread.sleep(forTimeInterval: 0.02) } // polling pace
        }
        XCTAssertTrue(healed, "answers whole again after the member came back")
    }

    func testSilentMemberTimesOutAndTheCallersDeadlineBoundsTheCall() throws {
        let silent = Members.Silent()
        let server = try startMember(silent)
        defer { silent.releaseAll() }
        try writeConfig("slow", #"""
        {"fan_out": {"aggregate": "collect", "failure": "best_effort", "members": [
          {"name": "quick", "model": "q"},
          {"name": "silent", "endpoint": "127.0.0.1:\#(server.boundPort)", "timeout_ms": 300}]}}
        """#)
        try startRepository()
        let aggregator = FanOutAggregator(repository: repository, loops: group.loops, logger: logger, local: local(0.5))
        defer { aggregator.shutdown() }

        var started = ContinuousClock.now
        let partial = try call(aggregator, "slow").get()
        XCTAssertGreaterThanOrEqual(started.duration(to: .now), .milliseconds(290))
        guard case .string(let errors)? = partial.output(named: "errors")?.storage else { return XCTFail("no errors output") }
        XCTAssertEqual(errors, ["silent: no answer within 300 ms"])
        XCTAssertNotNil(partial.output(named: "quick/probabilities"))

        started = .now
        let bounded = try call(aggregator, "slow", deadline: started.advanced(by: .milliseconds(100)))
        XCTAssertLessThan(started.duration(to: .now), .milliseconds(300), "ended by the caller's deadline")
        guard case .success(let r) = bounded, case .string(let e)? = r.output(named: "errors")?.storage else {
            return XCTFail("best_effort answers with the quick member: \(bounded)")
        }
        XCTAssertTrue(e[0].hasPrefix("silent: no answer within"), e[0])
    }

    func testMetadataDescribesTheMembersInputsAndTheAggregationsOutputs() throws {
        let a = try startMember(Members.Answering(positive: 0.2))
        let b = try startMember(Members.Answering(positive: 0.7))
        let members = #"[{"name": "a", "endpoint": "127.0.0.1:\#(a.boundPort)"}, {"name": "b", "endpoint": "127.0.0.1:\#(b.boundPort)"}]"#
        try writeConfig("best", #"{"fan_out": {"aggregate": "best_label", "failure": "best_effort", "members": \#(members)}}"#)
        try writeConfig("all", #"{"fan_out": {"aggregate": "collect", "members": \#(members)}}"#)
        try startRepository()
        let aggregator = FanOutAggregator(repository: repository, loops: group.loops, logger: logger, local: local(0))
        defer { aggregator.shutdown() }
        func describe(_ model: String) throws -> GetModelMetadataResponse {
            let box = Locked<Result<GetModelMetadataResponse, WireError>?>(nil)
            let done = DispatchSemaphore(value: 0)
            aggregator.metadata(GetModelMetadataRequest(modelSpec: ModelSpec(name: model)), deadline: nil) { r in
                box.withLock { $0 = r }
                done.signal()
            }
            XCTAssertEqual(done.wait(timeout: .now() + 10), .success)
            return try XCTUnwrap(box.withLock { $0 }).get()
        }
        let best = try describe("best")
        XCTAssertEqual(best.inputs, [TensorInfo(name: "input", dtype: .float, shape: [-1, 4])])
        XCTAssertEqual(best.outputs.map(\.name), ["label", "probability", "a/probability", "b/probability", "errors"])
        XCTAssertEqual(best.classLabels, ["a", "b"])
        let all = try describe("all")
        XCTAssertEqual(all.outputs.map(\.name), ["a/label", "a/probabilities", "b/label", "b/probabilities"])
        XCTAssertEqual(all.outputs[1].kind, .zipMap)
    }

    func testBrokenConfigAnswersFailedPreconditionAndVersionsAreRefused() throws {
        try writeConfig("broken", #"{"fan_out": {"members": [{"name": "a"}], "aggregate": "median"}}"#)
        try writeConfig("fine", #"{"fan_out": {"members": [{"name": "a"}]}}"#)
        try startRepository()
        let aggregator = FanOutAggregator(repository: repository, loops: group.loops, logger: logger, local: local(0.5))
        defer { aggregator.shutdown() }
        XCTAssertTrue(aggregator.serves(model: "broken"))
        guard case .failure(let error) = try call(aggregator, "broken") else { return XCTFail() }
        XCTAssertEqual(error.code, .failedPrecondition)
        XCTAssertTrue(error.message.contains("median") && error.message.contains("broken"), error.message)
        XCTAssertEqual(aggregator.memberHealth().first?.state, .misconfigured)

        var versioned = request("fine")
        versioned.modelSpec.version = 2
        let box = Locked<WireError?>(nil)
        aggregator.predict(versioned, deadline: nil) { if case .failure(let e) = $0 { box.withLock { $0 = e } } }
        XCTAssertEqual(box.withLock { $0 }?.code, .invalidArgument)
    }

    func testInProcessCyclesAreRejectedAndConfigChangesApplyOnRefresh() throws {
        try writeConfig("self", #"{"fan_out": {"members": [{"name": "me", "model": "self"}]}}"#)
        try writeConfig("ping", #"{"fan_out": {"members": [{"name": "p", "model": "pong"}]}}"#)
        try writeConfig("pong", #"{"fan_out": {"members": [{"name": "q", "model": "ping"}]}}"#)
        try writeConfig("ok", #"{"fan_out": {"members": [{"name": "p", "model": "leaf"}]}}"#)
        try startRepository()
        let aggregator = FanOutAggregator(repository: repository, loops: group.loops, logger: logger, local: local(0.4))
        defer { aggregator.shutdown() }
        for model in ["self", "ping", "pong"] {
            guard case .failure(let error) = try call(aggregator, model) else { return XCTFail("\(model) answered") }
            XCTAssertEqual(error.code, .failedPrecondition)
            XCTAssertTrue(error.message.contains("lead back"), error.message)
        }
        guard case .success(let ok) = try call(aggregator, "ok") else { return XCTFail("ok failed") }
        XCTAssertNotNil(ok.output(named: "p/probabilities"), "collect")

        try writeConfig("ok", #"{"fan_out": {"aggregate": "best_label", "members": [{"name": "p", "model": "leaf"}]}}"#)
        repository.reload()
        aggregator.refresh()
        guard case .success(let changed) = try call(aggregator, "ok") else { return XCTFail("ok failed") }
        XCTAssertNotNil(changed.output(named: "p/probability"), "best_label after the change")
    }

    func testMembersRejectingTheRequestPassTheirCodeThrough() throws {
        try writeConfig("pair", #"{"fan_out": {"members": [{"name": "a"}, {"name": "b"}]}}"#)
        try startRepository()
        let aggregator = FanOutAggregator(repository: repository, loops: group.loops, logger: logger) { request, _, completion in
            completion(.failure(.invalidArgument("model '\(request.modelSpec.name)' needs input 'x'")))
        }
        defer { aggregator.shutdown() }
        guard case .failure(let error) = try call(aggregator, "pair") else { return XCTFail() }
        XCTAssertEqual(error.code, .invalidArgument)
        XCTAssertTrue(error.message.contains("'a'") && error.message.contains("'b'"), error.message)
    }
}

/// In-test member services.
enum Members {
    /// A binary classifier's answer with positive-class probability `positive`.
    static func binary(_ positive: Float, model: String) -> PredictResponse {
        PredictResponse(modelSpec: ModelSpec(name: model, version: 1), outputs: [
            NamedTensor("label", Tensor(shape: [1], int64s: [positive > 0.5 ? 1 : 0])),
            NamedTensor("probabilities", Tensor(shape: [1, 2], floats: [1 - positive, positive])),
            NamedTensor("probabilities:labels", Tensor(shape: [2], int64s: [0, 1])),
        ])
    }

    /// A binary classifier's signature.
    static func metadata(_ model: String) -> GetModelMetadataResponse {
        GetModelMetadataResponse(modelSpec: ModelSpec(name: model, version: 1),
                                 inputs: [TensorInfo(name: "input", dtype: .float, shape: [-1, 4])],
                                 outputs: [TensorInfo(name: "label", dtype: .int64, shape: [-1]),
                                           TensorInfo(name: "probabilities", dtype: .float, shape: [-1, -1],
                                                      kind: .zipMap, labelDtype: .int64)])
    }

    /// Answers every Predict at once.
    final class Answering: FrameHandler {
        let positive: Float
        init(positive: Float) { self.positive = positive }

        func handleFrame(_ payload: UnsafeRawBufferPointer, reply: FrameReply) {
            var id: UInt64 = 0
            let response: Response
            switch ProtobufCodec.decodeRequest(payload, id: &id) {
            case .success(let request):
                switch request.call {
                case .predict(let p):
                    response = .success(id: id, .predict(Members.binary(positive, model: p.modelSpec.name)))
                case .getModelMetadata(let g):
                    response = .success(id: id, .getModelMetadata(Members.metadata(g.modelSpec.name)))
                default:
                    response = .failure(id: id, WireError(.unimplemented, "test member serves predict and metadata only"))
                }
            case .failure(let error):
                response = .failure(id: id, error)
            }
            var bytes: [UInt8] = []
            ProtobufCodec.encode(response, into: &bytes)
            reply.send(bytes)
        }

        func framingErrorResponse(_ error: FrameError) -> [UInt8] { [] }
    }

    /// Holds every request without answering until `releaseAll()`.
    final class Silent: FrameHandler {
        private let held = Locked<[FrameReply]>([])

        func handleFrame(_ payload: UnsafeRawBufferPointer, reply: FrameReply) {
            held.withLock { $0.append(reply) }
        }

        func releaseAll() {
            for reply in held.withLock({ r in defer { r.removeAll() }; return r }) { reply.send([]) }
        }

        func framingErrorResponse(_ error: FrameError) -> [UInt8] { [] }
    }
}
