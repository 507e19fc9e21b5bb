import Foundation
import Logging
import ModelRuntime
import ModelServer
import Serving
import Wire
import XCTest

/// The prediction cache behind the dispatcher, on the real iris model.
final class PredictionCacheDispatcherTests: XCTestCase {
    private var iris: IrisRepository!
    private var repository: ModelRepository { iris.repository }
    private var cache: PredictionCache!
    private var dispatcher: Dispatcher!

    override func setUpWithError() throws {
        iris = try IrisRepository(config: #"{"cache": {}}"#)
        cache = PredictionCache()
        cache.attach(to: repository)
        dispatcher = Dispatcher(repository: repository, serverVersion: "t", logger: DispatcherFixture.quietLogger, cache: cache)
    }

    override func tearDown() {
        dispatcher = nil
        iris = nil
    }

    private func addIrisVersion(_ version: Int) throws { try iris.addVersion(version) }
    private func writeConfig(_ json: String) throws { try iris.writeConfig(json) }

    private func call(_ rows: [Float], filter: [String] = [], noCache: Bool = false) -> (Response, [UInt8]) {
        let request = Request(id: 5, call: .predict(PredictRequest(
            modelSpec: ModelSpec(name: "iris"), inputs: [NamedTensor("input", Tensor(shape: [rows.count / 4, 4], floats: rows))],
            outputFilter: filter)), noCache: noCache)
        let response = dispatcher.handle(request, deadline: nil)
        var bytes: [UInt8] = []
        ProtobufCodec.encode(response, into: &bytes)
        return (response, bytes)
    }

    func testAHitIsExactlyTheUncachedAnswer() throws {
        let rows: [Float] = [5.1, 3.5, 1.4, 0.2, 6.7, 3.0, 5.2, 2.3]
        let (first, uncached) = call(rows)
        XCTAssertEqual(first.status, .ok)
        XCTAssertEqual(cache.counts(model: "iris", version: 1).misses, 1)
        let (_, cached) = call(rows)
        XCTAssertEqual(cache.counts(model: "iris", version: 1).hits, 1)
        XCTAssertEqual(cached, uncached, "a hit must answer byte for byte what the model answered")

        // A different filter, or one changed value, is another key.
        let (filtered, _) = call(rows, filter: ["label"])
        guard case .predict(let p)? = filtered.result else { return XCTFail("\(filtered.status)") }
        XCTAssertEqual(p.outputs.map(\.name), ["label"])
        var changed = rows
        changed[7] = 2.4
        _ = call(changed)
        XCTAssertEqual(cache.counts(model: "iris", version: 1).hits, 1)
        XCTAssertEqual(cache.usage(model: "iris").entries, 3)

        // no_cache: answered by the model (not counted as a hit), same answer.
        let (bypassed, bytes) = call(rows, noCache: true)
        XCTAssertEqual(bypassed.status, .ok)
        XCTAssertEqual(bytes, uncached)
        XCTAssertEqual(cache.counts(model: "iris", version: 1).hits, 1)
    }

    func testTheCallAfterANewVersionIsAvailableAnswersFromIt() throws {
        let rows: [Float] = [5.9, 3.0, 5.1, 1.8]
        _ = call(rows)
        _ = call(rows)
        XCTAssertEqual(cache.counts(model: "iris", version: 1).hits, 1)

        try addIrisVersion(2)
        repository.reload()
        XCTAssertEqual(try repository.versions(name: "iris").map(\.state), [.end, .available])
        let (response, _) = call(rows)
        guard case .predict(let p)? = response.result else { return XCTFail("\(response.status)") }
        XCTAssertEqual(p.modelSpec.version, 2, "the very next call must come from version 2")
        XCTAssertEqual(cache.counts(model: "iris", version: 2).misses, 1)
        XCTAssertEqual(cache.counts(model: "iris", version: 1).hits, 1)
        // Version 1 drained, so its entries are gone: only version 2's remains.
        XCTAssertEqual(cache.usage(model: "iris").entries, 1)
    }

    func testAReloadedInstanceUnderTheSameVersionStartsCold() throws {
        let rows: [Float] = [4.9, 3.1, 1.5, 0.1]
        _ = call(rows)
        // A config.json change re-wraps version 1 in a new instance (labels may differ).
        try writeConfig(#"{"cache": {"max_entries": 10}, "labels": ["a", "b", "c"]}"#)
        repository.reload()
        _ = call(rows)
        XCTAssertEqual(cache.counts(model: "iris", version: 1).hits, 0)
        XCTAssertEqual(cache.counts(model: "iris", version: 1).misses, 2)
        XCTAssertEqual(cache.usage(model: "iris").entries, 1)
    }

    func testModelsWithoutCacheSettingsAreNotCached() throws {
        try writeConfig("{}")
        repository.reload()
        _ = call([5.1, 3.5, 1.4, 0.2])
        _ = call([5.1, 3.5, 1.4, 0.2])
        XCTAssertEqual(cache.counts(model: "iris", version: 1).misses, 0)
        XCTAssertEqual(cache.usage(model: "iris").entries, 0)
    }
}
