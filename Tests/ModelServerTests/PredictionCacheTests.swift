import ModelRuntime
@testable import ModelServer
import XCTest

/// The prediction cache's key, its LRU bounds and expiry, without a server.
final class PredictionCacheTests: XCTestCase {
    private func key(_ values: [Float], shape: [Int]? = nil, model: String = "m", version: Int64 = 1,
                     serial: UInt64 = 1, filter: [String] = [], name: String = "x") -> PredictionKey {
        PredictionKey(model: model, version: version, serial: serial, outputFilter: filter,
                      inputs: [(name, Tensor(shape: shape ?? [1, values.count], floats: values))])
    }

    private func answer(_ v: Float) -> CachedPrediction {
        CachedPrediction(names: ["y"], tensors: [Tensor(shape: [1], floats: [v])])
    }

    func testEveryPartOfTheKeyCounts() {
        let base = key([1, 2, 3, 4])
        XCTAssertEqual(base, key([1, 2, 3, 4]))
        XCTAssertNotEqual(base, key([1, 2, 3, 5]), "input bytes")
        XCTAssertNotEqual(base, key([1, 2, 3, 4], shape: [2, 2]), "shape")
        XCTAssertNotEqual(base, key([1, 2, 3, 4], model: "n"), "model")
        XCTAssertNotEqual(base, key([1, 2, 3, 4], version: 2), "version")
        XCTAssertNotEqual(base, key([1, 2, 3, 4], serial: 2), "loaded instance")
        XCTAssertNotEqual(base, key([1, 2, 3, 4], filter: ["y"]), "output filter")
        XCTAssertNotEqual(base, key([1, 2, 3, 4], name: "z"), "input name")
        let asInt32 = PredictionKey(model: "m", version: 1, serial: 1, outputFilter: [],
                                    inputs: [("x", Tensor(shape: [1, 4], int32s: [1, 2, 3, 4].map { Float($0).bitPattern }.map { Int32(bitPattern: $0) }))])
        XCTAssertNotEqual(base, asInt32, "same bytes, other dtype")
        // Length prefixes: "ab"+"c" and "a"+"bc" are different filters.
        XCTAssertNotEqual(key([1], filter: ["ab", "c"]), key([1], filter: ["a", "bc"]))
        // Input order does not matter.
        let a = Tensor(shape: [1], floats: [1]), b = Tensor(shape: [1], floats: [2])
        XCTAssertEqual(PredictionKey(model: "m", version: 1, serial: 1, outputFilter: [], inputs: [("a", a), ("b", b)]),
                       PredictionKey(model: "m", version: 1, serial: 1, outputFilter: [], inputs: [("b", b), ("a", a)]))
    }

    func testLeastRecentlyUsedLeavesFirstWithinMaxEntries() {
        var lru = PredictionLRU(settings: CacheSettings(maxEntries: 2))
        let now = ContinuousClock.now
        XCTAssertEqual(lru.put(key([1]), answer(1), version: 1, now: now), [])
        XCTAssertEqual(lru.put(key([2]), answer(2), version: 1, now: now), [])
        XCTAssertNotNil(lru.get(key([1]), now: now))  // 2 is now the least recently used
        XCTAssertEqual(lru.put(key([3]), answer(3), version: 1, now: now), [1])
        XCTAssertNil(lru.get(key([2]), now: now))
        XCTAssertEqual(lru.get(key([1]), now: now)?.tensors.first?.storage.floats, [1])
        XCTAssertEqual(lru.get(key([3]), now: now)?.tensors.first?.storage.floats, [3])
        XCTAssertEqual(lru.count, 2)
    }

    func testAMillionDistinctInputsStayWithinTheByteBound() {
        let maxBytes = 1 << 20
        var lru = PredictionLRU(settings: CacheSettings(maxEntries: 10_000_000, maxBytes: maxBytes))
        let now = ContinuousClock.now
        var peak = 0
        var evictions = 0
        for i in 0..<1_000_000 {
            let f = Float(i)
            evictions += lru.put(key([f, f + 1, f + 2, f + 3]), answer(f), version: 1, now: now).count
            peak = max(peak, lru.bytes)
        }
        XCTAssertLessThanOrEqual(peak, maxBytes, "accounted bytes went over max_bytes")
        XCTAssertGreaterThan(lru.bytes, maxBytes / 2, "the cache should be nearly full, not emptied")
        XCTAssertEqual(evictions + lru.count, 1_000_000)
        // The newest entries are the ones kept.
        XCTAssertNotNil(lru.get(key([999_999, 1_000_000, 1_000_001, 1_000_002]), now: now))
        XCTAssertNil(lru.get(key([0, 1, 2, 3]), now: now))
    }

    func testEntriesExpireAfterTheirTTL() {
        var lru = PredictionLRU(settings: CacheSettings(ttlSeconds: 5))
        let now = ContinuousClock.now
        _ = lru.put(key([1]), answer(1), version: 1, now: now)
        XCTAssertNotNil(lru.get(key([1]), now: now + .seconds(4)))
        XCTAssertNil(lru.get(key([1]), now: now + .seconds(5)))
        XCTAssertEqual(lru.count, 0)
        XCTAssertEqual(lru.bytes, 0)
    }

    func testAnEntryLargerThanTheBoundIsNotStored() {
        var lru = PredictionLRU(settings: CacheSettings(maxBytes: 300))
        XCTAssertEqual(lru.put(key(Array(repeating: 1, count: 100)), answer(1), version: 1, now: .now), [])
        XCTAssertEqual(lru.count, 0)
    }

    func testRemovingAnInstanceDropsOnlyItsEntries() {
        var lru = PredictionLRU(settings: CacheSettings())
        let now = ContinuousClock.now
        for i in 0..<10 { _ = lru.put(key([Float(i)], serial: 7), answer(1), version: 1, now: now) }
        for i in 0..<5 { _ = lru.put(key([Float(i)], serial: 8), answer(2), version: 2, now: now) }
        XCTAssertEqual(lru.removeAll(serial: 7), 10)
        XCTAssertEqual(lru.count, 5)
        XCTAssertNil(lru.get(key([0], serial: 7), now: now))
        XCTAssertNotNil(lru.get(key([0], serial: 8), now: now))
        // The freed slots are reused and the list stays consistent.
        for i in 0..<10 { _ = lru.put(key([Float(i)], serial: 9), answer(3), version: 3, now: now) }
        XCTAssertEqual(lru.count, 15)
    }

    func testSharedLevelBytesRoundTripAndRefuseGarbage() throws {
        let value = CachedPrediction(names: ["label", "p", "p:labels", "flag", "d", "i"], tensors: [
            Tensor(shape: [2], int64s: [0, 2]), Tensor(shape: [2, 3], floats: [0.1, 0.2, 0.7, 1, 0, 0]),
            Tensor(shape: [3], strings: ["setosa", "ü", ""]), Tensor(shape: [2], bools: [true, false]),
            Tensor(shape: [1], doubles: [-1.5]), Tensor(shape: [0, 4], int32s: []),
        ])
        let bytes = value.encoded()
        let back = try XCTUnwrap(CachedPrediction(encoded: bytes))
        XCTAssertEqual(back.names, value.names)
        XCTAssertEqual(back.encoded(), bytes)
        XCTAssertEqual(back.tensors.map(\.shape), value.tensors.map(\.shape))
        for cut in [0, 1, 8, bytes.count / 2, bytes.count - 1] {
            XCTAssertNil(CachedPrediction(encoded: Array(bytes.prefix(cut))), "truncated at \(cut)")
        }
        XCTAssertNil(CachedPrediction(encoded: bytes + [0]), "trailing bytes")
        XCTAssertNil(CachedPrediction(encoded: Array("not a prediction at all".utf8)))
        var huge = bytes
        huge.replaceSubrange(0..<8, with: [255, 255, 255, 255, 255, 255, 255, 127])
        XCTAssertNil(CachedPrediction(encoded: huge), "absurd output count")
    }

    func testSettingsParseWithDefaultsAndNameBadKeys() throws {
        XCTAssertEqual(try ModelConfig.parse(Array(#"{"cache": {}}"#.utf8), file: "c").cache, CacheSettings())
        XCTAssertNil(try ModelConfig.parse(Array("{}".utf8), file: "c").cache)
        let custom = try ModelConfig.parse(Array(#"{"cache": {"max_entries": 5, "ttl_seconds": 9}}"#.utf8), file: "c").cache
        XCTAssertEqual(custom, CacheSettings(maxEntries: 5, maxBytes: 64 << 20, ttlSeconds: 9))
        for (json, fragment) in [
            (#"{"cache": 1}"#, "\"cache\" must be an object"),
            (#"{"cache": {"max_entries": 0}}"#, "\"cache\".max_entries must be an integer from 1"),
            (#"{"cache": {"max_bytes": "big"}}"#, "\"cache\".max_bytes must be an integer"),
            (#"{"cache": {"ttl_seconds": -1}}"#, "\"cache\".ttl_seconds must be an integer from 0"),
            (#"{"cache": {"max_entry": 1}}"#, "\"cache\" has unknown key \"max_entry\""),
        ] {
            XCTAssertThrowsError(try ModelConfig.parse(Array(json.utf8), file: "c"), json) { error in
                XCTAssertTrue("\(error)".contains(fragment), "\(error) lacks \(fragment)")
            }
        }
        XCTAssertThrowsError(try CacheSettings.parse(json: "{max", source: "--cache-default")) { error in
            XCTAssertTrue("\(error)".hasPrefix("--cache-default: not valid JSON"), "\(error)")
        }
    }
}

extension TensorStorage {
    var floats: [Float]? {
        if case .float(let v) = self { return v }
        return nil
    }
}
