import ModelRuntime
import ModelServer
import Serving
import Wire
import XCTest

/// GetModelStatistics: per-version counters that move with Predict calls.
final class DispatcherStatisticsTests: XCTestCase {
    private func statistics(_ d: Dispatcher, _ spec: ModelSpec) -> Response {
        d.handle(Request(id: 1, call: .getModelStatistics(GetModelStatisticsRequest(modelSpec: spec))), deadline: nil)
    }

    private func predict(_ d: Dispatcher, rows: [[Float]]) -> Response {
        let input = NamedTensor("input", Tensor(shape: [rows.count, rows.first?.count ?? 0], floats: rows.flatMap { $0 }))
        return d.handle(Request(id: 2, call: .predict(PredictRequest(modelSpec: ModelSpec(name: "iris"), inputs: [input]))), deadline: nil)
    }

    func testCountsMoveWithSuccessesAndFailures() throws {
        let fixture = try DispatcherFixture()
        let d = fixture.dispatcher
        guard case .getModelStatistics(let before)? = statistics(d, ModelSpec(name: "iris")).result else { return XCTFail("no statistics") }
        XCTAssertEqual(before.modelStats, [ModelVersionStatistics(name: "iris", version: 1)], "a version not called yet has zeros")

        XCTAssertTrue(predict(d, rows: [[5.1, 3.5, 1.4, 0.2], [6.3, 3.3, 6.0, 2.5]]).status.isOK)
        XCTAssertTrue(predict(d, rows: [[5.1, 3.5, 1.4, 0.2]]).status.isOK)
        XCTAssertFalse(predict(d, rows: [[5.1, 3.5, 1.4]]).status.isOK, "three columns for a four-column model")

        guard case .getModelStatistics(let after)? = statistics(d, ModelSpec(name: "iris", version: 1)).result,
              let s = after.modelStats.first else { return XCTFail("no statistics") }
        XCTAssertEqual(after.modelStats.count, 1)
        XCTAssertEqual(s.success.count, 2)
        XCTAssertEqual(s.fail.count, 1)
        XCTAssertEqual(s.executionCount, 2)
        XCTAssertEqual(s.inferenceCount, 3, "rows predicted")
        XCTAssertEqual(s.queue.count, 2)
        XCTAssertEqual(s.computeInfer.count, 2)
        XCTAssertGreaterThan(s.computeInfer.ns, 0)
        XCTAssertGreaterThanOrEqual(s.success.ns, s.queue.ns + s.computeInfer.ns)
        XCTAssertGreaterThan(s.lastInferenceMs, 1_700_000_000_000, "Unix milliseconds")
    }

    func testEveryModelOrAnUnknownOne() throws {
        let fixture = try DispatcherFixture()
        guard case .getModelStatistics(let all)? = statistics(fixture.dispatcher, ModelSpec(name: "")).result else { return XCTFail("no statistics") }
        XCTAssertTrue(Set(all.modelStats.map(\.name)).isSuperset(of: ["iris", "kmeans", "linreg"]), "\(all.modelStats.map(\.name))")
        let unknown = statistics(fixture.dispatcher, ModelSpec(name: "nope"))
        XCTAssertEqual(unknown.status.code, .notFound, unknown.status.message)
        let version = statistics(fixture.dispatcher, ModelSpec(name: "iris", version: 7))
        XCTAssertEqual(version.status.code, .notFound, version.status.message)
    }

    private func irisStatistics(_ d: Dispatcher) -> ModelVersionStatistics? {
        guard case .getModelStatistics(let g)? = statistics(d, ModelSpec(name: "iris", version: 1)).result else { return nil }
        return g.modelStats.first
    }

    func testCacheHitsCountAsSuccessesThatRanNoModel() throws {
        let iris = try IrisRepository(config: #"{"cache": {}}"#)
        let cache = PredictionCache()
        cache.attach(to: iris.repository)
        let d = Dispatcher(repository: iris.repository, serverVersion: "t", logger: DispatcherFixture.quietLogger, cache: cache)
        for _ in 0..<3 { XCTAssertTrue(predict(d, rows: [[5.1, 3.5, 1.4, 0.2]]).status.isOK) }

        let s = try XCTUnwrap(irisStatistics(d))
        XCTAssertEqual(s.success.count, 3)
        XCTAssertEqual(s.cacheHit.count, 2, "the first call ran the model, the others were hits")
        XCTAssertEqual(s.executionCount, 1)
        XCTAssertEqual(s.computeInfer.count, 1)
        XCTAssertEqual(s.inferenceCount, 1)
        XCTAssertLessThanOrEqual(s.cacheHit.ns, s.success.ns)
    }

    func testBatchedCallsCountWithTheirQueueAndComputeTime() throws {
        let iris = try IrisRepository(config: #"{"batching": {"max_rows": 8, "max_delay_us": 500}}"#)
        let batcher = AdaptiveBatcher()
        defer { batcher.shutdown() }
        let d = Dispatcher(repository: iris.repository, serverVersion: "t", logger: DispatcherFixture.quietLogger, batcher: batcher)
        // The first call notices the model batches; the next ones go through the batcher.
        for _ in 0..<3 { XCTAssertTrue(predict(d, rows: [[5.1, 3.5, 1.4, 0.2], [6.3, 3.3, 6.0, 2.5]]).status.isOK) }
        XCTAssertFalse(predict(d, rows: [[5.1, 3.5, 1.4]]).status.isOK)

        let s = try XCTUnwrap(irisStatistics(d))
        XCTAssertEqual(batcher.statistics.snapshot().first { $0.model == "iris" }?.delay.count, 3, "every call after the first went through the batcher, the failing one too")
        XCTAssertEqual(s.success.count, 3)
        XCTAssertEqual(s.fail.count, 1)
        XCTAssertEqual(s.inferenceCount, 6)
        XCTAssertEqual(s.queue.count, 3)
        XCTAssertEqual(s.computeInfer.count, 3)
        XCTAssertGreaterThan(s.computeInfer.ns, 0)
        XCTAssertGreaterThanOrEqual(s.success.ns, s.queue.ns + s.computeInfer.ns)
    }
}
