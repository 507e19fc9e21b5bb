import Wire
import XCTest

/// GetModelStatistics and the metadata fields classify and the model
/// configuration read (feature names, version policy) survive the wire.
final class ProtobufCodecStatisticsTests: XCTestCase {
    func testStatisticsRequestAndResponseRoundTrip() throws {
        for spec in [ModelSpec(name: ""), ModelSpec(name: "iris"), ModelSpec(name: "iris", version: 3)] {
            let decoded = try roundTrip(Request(id: 4, call: .getModelStatistics(GetModelStatisticsRequest(modelSpec: spec))))
            guard case .getModelStatistics(let g) = decoded.call else { return XCTFail("not a statistics call") }
            XCTAssertEqual(g.modelSpec, spec)
        }
        let stats = GetModelStatisticsResponse(modelStats: [
            ModelVersionStatistics(name: "iris", version: 1, lastInferenceMs: 1_764_000_000_123, inferenceCount: 10, executionCount: 4,
                                   success: StatisticDuration(count: 4, ns: 40_000), fail: StatisticDuration(count: 2, ns: UInt64.max),
                                   queue: StatisticDuration(count: 4, ns: 4_000), computeInfer: StatisticDuration(count: 4, ns: 30_000)),
            ModelVersionStatistics(name: "diabetes", version: 2),
        ])
        let decoded = try roundTrip(.success(id: 4, .getModelStatistics(stats)))
        guard case .getModelStatistics(let g)? = decoded.result else { return XCTFail("no statistics result") }
        XCTAssertEqual(g, stats)
    }

    func testMetadataCarriesFeatureNamesAndVersionPolicy() throws {
        for policy in [ServedVersionPolicy.latest(1), .latest(3), .all, .specific([1, 5])] {
            let meta = GetModelMetadataResponse(
                modelSpec: ModelSpec(name: "iris", version: 1), inputs: [], outputs: [],
                featureNames: ["sepal length (cm)", "sepal width (cm)"], versionPolicy: policy)
            let decoded = try roundTrip(.success(id: 1, .getModelMetadata(meta)))
            guard case .getModelMetadata(let m)? = decoded.result else { return XCTFail("no metadata result") }
            XCTAssertEqual(m, meta)
        }
    }
}
