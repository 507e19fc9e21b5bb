import Foundation
import ModelRuntime
import ModelServer
import Primitives
import Serving
import Synchronization
import Wire
import XCTest

/// Adaptive batching behind the dispatcher, on the real iris model.
final class AdaptiveBatchingTests: XCTestCase {
    private func request(_ rows: [Float], id: UInt64 = 1, filter: [String] = [], timeoutMs: UInt32 = 0) -> Request {
        Request(id: id, call: .predict(PredictRequest(
            modelSpec: ModelSpec(name: "iris"), inputs: [NamedTensor("input", Tensor(shape: [rows.count / 4, 4], floats: rows))],
            outputFilter: filter)), timeoutMs: timeoutMs)
    }

    /// A repository of iris with `config`, a batcher, and a dispatcher that
    /// has seen one call (the one that notices the model batches).
    private func batchingDispatcher(_ config: String) throws -> (IrisRepository, AdaptiveBatcher, Dispatcher) {
        let iris = try IrisRepository(config: config)
        let batcher = AdaptiveBatcher()
        let dispatcher = Dispatcher(repository: iris.repository, serverVersion: "t", logger: DispatcherFixture.quietLogger,
                                    batcher: batcher)
        XCTAssertEqual(dispatcher.handle(request([5.1, 3.5, 1.4, 0.2]), deadline: nil).status, .ok)
        return (iris, batcher, dispatcher)
    }

    private func encoded(_ response: Response) -> [UInt8] {
        var bytes: [UInt8] = []
        ProtobufCodec.encode(response, into: &bytes)
        return bytes
    }

    func testBatchedAnswersEqualUnbatchedOnesUnder64ConcurrentClients() throws {
        let (iris, batcher, batched) = try batchingDispatcher(#"{"batching": {"max_rows": 64, "max_delay_us": 2000}}"#)
        defer { batcher.shutdown() }
        defer { withExtendedLifetime(iris) {} }  // its deinit stops the repository
        let unbatched = Dispatcher(repository: iris.repository, serverVersion: "t", logger: DispatcherFixture.quietLogger)

        let clients = 64, callsPerClient = 20
        let mismatches = Atomic<Int>(0), failures = Atomic<Int>(0)
        let done = DispatchGroup()
        for client in 0..<clients {
            done.enter()
            let thread = Thread {
                var generator = SystemRandomNumberGenerator()
                for call in 0..<callsPerClient {
                    let rows = Int.random(in: 1...5, using: &generator)
                    let values = (0..<(rows * 4)).map { _ in Float(Int.random(in: 0...80, using: &generator)) / 10 }
                    let filter = call % 3 == 0 ? ["label"] : []
                    let r = self.request(values, id: UInt64(client * 1000 + call), filter: filter)
                    let got = batched.handle(r, deadline: nil)
                    if got.status != .ok { failures.add(1, ordering: .relaxed) }
                    if self.encoded(got) != self.encoded(unbatched.handle(r, deadline: nil)) {
                        mismatches.add(1, ordering: .relaxed)
                    }
                }
                done.leave()
            }
            thread.start()
        }
        XCTAssertEqual(done.wait(timeout: .now() + 60), .success)
        XCTAssertEqual(failures.load(ordering: .relaxed), 0)
        XCTAssertEqual(mismatches.load(ordering: .relaxed), 0, "a batched answer differed from the unbatched one")
        guard let stats = batcher.statistics.snapshot().first(where: { $0.model == "iris" }) else {
            return XCTFail("no batch ran")
        }
        XCTAssertEqual(stats.delay.count, UInt64(clients * callsPerClient), "every call went through the batcher")
        XCTAssertLessThan(stats.rows.count, UInt64(clients * callsPerClient), "calls were merged into fewer batches")
        // Some batch held more rows than any one call sends (5).
        XCTAssertGreaterThan(stats.rows.buckets[4...].reduce(0, +), 0, "no batch of more than 8 rows formed")
    }

    func testAShortDeadlineBoundsTheWait() throws {
        let (iris, batcher, dispatcher) = try batchingDispatcher(#"{"batching": {"max_rows": 64, "max_delay_us": 400000}}"#)
        defer { batcher.shutdown() }
        defer { withExtendedLifetime(iris) {} }  // its deinit stops the repository

        // Without a deadline a lone call waits for max_delay_us: the batcher does hold calls.
        var start = ContinuousClock.now
        XCTAssertEqual(dispatcher.handle(request([6.1, 2.8, 4.7, 1.2]), deadline: nil).status, .ok)
        XCTAssertGreaterThanOrEqual(start.duration(to: .now), .milliseconds(390))

        // With a 60 ms deadline it is answered in time, well before max_delay_us.
        start = .now
        let r = request([6.1, 2.8, 4.7, 1.2], timeoutMs: 60)
        let response = dispatcher.handle(r, deadline: r.deadline(receivedAt: start))
        let elapsed = start.duration(to: .now)
        XCTAssertEqual(response.status, .ok, response.status.message)
        XCTAssertLessThan(elapsed, .milliseconds(60), "held past its deadline")
    }

    func testAFullQueueAnswersResourceExhausted() throws {
        let (iris, batcher, dispatcher) = try batchingDispatcher(#"{"batching": {"max_rows": 8, "max_delay_us": 300000, "max_queued_rows": 8}}"#)
        defer { batcher.shutdown() }
        defer { withExtendedLifetime(iris) {} }  // its deinit stops the repository

        let first = Locked<Response?>(nil)
        let answered = DispatchSemaphore(value: 0)
        dispatcher.handle(request(Array(repeating: 5, count: 5 * 4)), deadline: nil) { response in
            first.withLock { $0 = response }
            answered.signal()
        }
        let refused = dispatcher.handle(request(Array(repeating: 6, count: 4 * 4)), deadline: nil)
        assertFailure(refused, .resourceExhausted, "batching queue is full", "max_queued_rows 8")
        XCTAssertEqual(answered.wait(timeout: .now() + 5), .success)
        XCTAssertEqual(first.withLock { $0 }?.status, .ok)
        // Room again once the batch ran.
        XCTAssertEqual(dispatcher.handle(request(Array(repeating: 6, count: 4 * 4)), deadline: nil).status, .ok)
    }

    func testBatchingSettingsParseAndNameBadKeys() throws {
        XCTAssertEqual(try ModelConfig.parse(Array(#"{"batching": {}}"#.utf8), file: "c").batching, BatchingSettings())
        let custom = try ModelConfig.parse(Array(#"{"batching": {"max_rows": 32, "preferred_rows": [16, 8, 16]}}"#.utf8), file: "c")
        XCTAssertEqual(custom.batching?.preferredRows, [8, 16])
        for (json, fragment) in [
            (#"{"batching": []}"#, "\"batching\" must be an object"),
            (#"{"batching": {"max_rows": 0}}"#, "\"batching\".max_rows must be an integer from 1"),
            (#"{"batching": {"max_delay_us": -5}}"#, "\"batching\".max_delay_us must be an integer from 0"),
            (#"{"batching": {"preferred_rows": 4}}"#, "preferred_rows must be an array"),
            (#"{"batching": {"preferred_rows": [128]}}"#, "more than max_rows 64"),
            (#"{"batching": {"max_queued_rows": 10}}"#, "must be at least max_rows"),
            (#"{"batching": {"rows": 1}}"#, "unknown key \"rows\""),
        ] {
            XCTAssertThrowsError(try ModelConfig.parse(Array(json.utf8), file: "c"), json) { error in
                XCTAssertTrue("\(error)".contains(fragment), "\(error) lacks \(fragment)")
            }
        }
    }
}
