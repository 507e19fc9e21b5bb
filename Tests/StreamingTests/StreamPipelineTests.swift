import Foundation
import ModelRuntime
import Plotting
import Streaming
import SwerveTestSupport
import XCTest

/// The four services as processes on one real broker: 5,000 observations end to end.
final class StreamPipelineTests: BrokerTestCase {
    func testFiveThousandObservationsGiveOneCorrectRowEachAndALivePlot() throws {
        let broker = try startedBroker()
        let dir = try StreamPaths.temporaryDirectory("stream-e2e")
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = dir.appendingPathComponent("logs/metrics.csv").path
        let png = dir.appendingPathComponent("logs/errors.png").path
        let queues = StreamQueues(prefix: "e2e")
        let model = try ServiceProcess(["stream", "model", "--broker", broker.url, "--models", StreamPaths.models.path,
                                        "--model", "diabetes"] + queues.modelFlags)
        let metrics = try ServiceProcess(["stream", "metrics", "--broker", broker.url, "--csv", csv] + queues.metricsFlags)
        let plot = try ServiceProcess(["stream", "plot", "--csv", csv, "--png", png, "--every-seconds", "0.5",
                                       "--width", "640", "--height", "480"])
        let features = try ServiceProcess(["stream", "features", "--broker", broker.url, "--data", StreamPaths.diabetesData.path,
                                           "--count", "5000", "--rate", "0", "--seed", "42", "--id-prefix", "e2e"] + queues.featuresFlags)
        XCTAssertEqual(features.waitForExit(timeout: 90), 0, features.text)
        XCTAssertTrue(poll(120) { MetricsRows.count(csv) >= 5000 }, "rows: \(MetricsRows.count(csv))\n\(metrics.text.suffix(2000))")

        let rows = try MetricsRows.read(csv)
        XCTAssertEqual(rows.count, 5000)
        XCTAssertEqual(Set(rows.map(\.id)).count, 5000, "one row per id")
        try checkRows(rows, prefix: "e2e", seed: 42)

        plot.waitFor("histogram updated (5000 rows)", timeout: 30)
        let size = try PNGFile.dimensions(png)
        XCTAssertEqual(size.width, 640)
        XCTAssertEqual(size.height, 480)
        let before = try FileManager.default.attributesOfItem(atPath: png)[.modificationDate] as? Date

        let more = try ServiceProcess(["stream", "features", "--broker", broker.url, "--data", StreamPaths.diabetesData.path,
                                       "--count", "50", "--rate", "0", "--seed", "7", "--id-prefix", "more"] + queues.featuresFlags)
        XCTAssertEqual(more.waitForExit(timeout: 60), 0, more.text)
        plot.waitFor("histogram updated (5050 rows)", timeout: 30)
        let after = try FileManager.default.attributesOfItem(atPath: png)[.modificationDate] as? Date
        XCTAssertNotEqual(before, after, "the PNG was rewritten after new rows arrived")
        XCTAssertEqual(try PNGFile.dimensions(png).width, 640)

        XCTAssertEqual(metrics.terminate(), 0, "SIGTERM stops metrics cleanly")
        XCTAssertEqual(model.terminate(), 0, "SIGTERM stops model cleanly")
        XCTAssertEqual(plot.terminate(), 0)
    }

    /// Each row: y_pred is a direct Predict of the row its id was sampled
    /// from, y_true that row's target, error |y_true − y_pred| of the values as written.
    private func checkRows(_ rows: [MetricsRow], prefix: String, seed: UInt64) throws {
        let table = try FeatureTable.load(StreamPaths.diabetesData.path)
        var sampler = RowSampler(seed: seed, rowCount: table.rows.count)
        var sampled: [String: Int] = [:]
        for n in 0..<rows.count { sampled["\(prefix)-\(n)"] = sampler.next() }
        let model = try Model.load(path: StreamPaths.diabetesModel.path)
        let input = model.inputs[0].name
        var mismatches = 0
        var exact = 0
        for row in rows {
            let index = try XCTUnwrap(sampled[row.id], "unexpected id \(row.id)")
            let x = table.rows[index].map { Float($0) }
            let output = try model.runAllOutputs([input: Tensor(shape: [1, x.count], floats: x)])
            guard case .tensor(let tensor)? = output.first, case .float(let values) = tensor.storage else {
                return XCTFail("the diabetes model did not return floats")
            }
            // 9 significant digits round-trip a float32 exactly. A batched run
            // may differ from a one-row run in the last bits: the runtime's
            // LinearRegressor sums a row's 10 products in SIMD lanes for one
            // row and blocked for a batch, so the order of the additions differs.
            let direct = values[0]
            let written = try XCTUnwrap(Float(row.yPred))
            let predOK = abs(written - direct) <= 8 * direct.ulp
            if written == direct { exact += 1 }
            let expectedTrue = MetricsRows.nineDigits(table.targets[index])
            let expectedError = MetricsRows.nineDigits(abs(try XCTUnwrap(Double(row.yTrue)) - (try XCTUnwrap(Double(row.yPred)))))
            if !predOK || row.yTrue != expectedTrue || row.error != expectedError {
                mismatches += 1
                if mismatches <= 5 {
                    XCTFail("\(row.id): got \(row.yTrue),\(row.yPred),\(row.error); expected \(expectedTrue),\(direct) (±8 ulp),\(expectedError)")
                }
            }
        }
        XCTAssertEqual(mismatches, 0)
        XCTAssertGreaterThan(exact, rows.count / 2, "most predictions are bit-identical to a one-row Predict")
    }
}

/// Queue names of one test, so tests on one broker never share queues.
struct StreamQueues {
    let x: String
    let yTrue: String
    let yPred: String

    init(prefix: String) {
        let unique = "\(prefix)-\(UUID().uuidString.prefix(8))"
        x = "\(unique)/features/X"
        yTrue = "\(unique)/features/Y_true"
        yPred = "\(unique)/predictions/Y_pred"
    }

    var featuresFlags: [String] { ["--x-queue", x, "--y-true-queue", yTrue] }
    var modelFlags: [String] { ["--x-queue", x, "--y-pred-queue", yPred] }
    var metricsFlags: [String] { ["--y-true-queue", yTrue, "--y-pred-queue", yPred] }
}
