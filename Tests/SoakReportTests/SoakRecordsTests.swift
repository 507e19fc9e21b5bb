import Foundation
import Plotting
import SoakReport
import XCTest

/// Reading the soak's samples and swerve-bench results, and drawing the plot:
/// good files read, bad ones are refused with the place named.
final class SoakRecordsTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("swerve-soak-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    private func file(_ name: String, _ text: String) throws -> String {
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    private let header = SoakSamples.numericColumns.joined(separator: ",") + ",event\n"

    private func row(_ second: Int, rss: Int = 30000, event: String = "") -> String {
        "\(second),\(rss),41,7,28000,29,6,57000,32,16,6800,0,4100,0,1,2,\(event)\n"
    }

    func testSamplesAreReadWithTheirEvents() throws {
        let path = try file("samples.csv", header + row(1) + row(2, rss: 30100, event: "version-added worker-1-killed") + "\n")
        let samples = try SoakSamples.read(path: path)
        XCTAssertEqual(samples.count, 2)
        XCTAssertEqual(samples["front_rss_kb"], [30000, 30100])
        XCTAssertEqual(samples.events, ["", "version-added worker-1-killed"])
    }

    func testBadSamplesAreRefusedNamingLineAndColumn() throws {
        let missing = try file("missing.csv", "second,front_rss_kb,event\n1,2,\n")
        XCTAssertThrowsError(try SoakSamples.read(path: missing)) {
            XCTAssertTrue("\($0)".contains("lacks column(s) front_fds"), "\($0)")
        }
        let notNumber = try file("nan.csv", header + row(1) + row(2).replacingOccurrences(of: "30000", with: "lots"))
        XCTAssertThrowsError(try SoakSamples.read(path: notNumber)) {
            XCTAssertTrue("\($0)".contains("line 3: front_rss_kb 'lots' is not a number"), "\($0)")
        }
        let short = try file("short.csv", header + "1,2,3\n")
        XCTAssertThrowsError(try SoakSamples.read(path: short)) { XCTAssertTrue("\($0)".contains("line 2: 3 fields"), "\($0)") }
        let empty = try file("empty.csv", "")
        XCTAssertThrowsError(try SoakSamples.read(path: empty)) { XCTAssertTrue("\($0)".contains("is empty"), "\($0)") }
        let headerOnly = try file("header.csv", header)
        XCTAssertThrowsError(try SoakSamples.read(path: headerOnly)) { XCTAssertTrue("\($0)".contains("no samples"), "\($0)") }
        XCTAssertThrowsError(try SoakSamples.read(path: dir.appendingPathComponent("absent.csv").path)) {
            XCTAssertTrue("\($0)".contains("cannot open"), "\($0)")
        }
    }

    func testABenchResultIsReadAndABrokenOneRefused() throws {
        let good = try file("bench.json", """
        {
          "target": "binary 127.0.0.1:8500",
          "requests_ok": 990,
          "requests_failed": 10,
          "errors": {"TIMEOUT": 4, "UNAVAILABLE": 6},
          "by_workload": {"predict": {"ok": 700, "failed": 0}, "submit": {"ok": 290, "failed": 10}}
        }
        """)
        XCTAssertEqual(try BenchOutcome.read(path: good),
                       BenchOutcome(target: "binary 127.0.0.1:8500", ok: 990, failed: 10, errors: ["TIMEOUT": 4, "UNAVAILABLE": 6],
                                    okByWorkload: ["predict": 700, "submit": 290]))
        let noErrors = try file("no-errors.json", #"{"target": "x", "requests_ok": 1, "requests_failed": 0}"#)
        XCTAssertThrowsError(try BenchOutcome.read(path: noErrors)) { XCTAssertTrue("\($0)".contains("no \"errors\" object"), "\($0)") }
        let negative = try file("negative.json", #"{"target": "x", "requests_ok": -1, "requests_failed": 0, "errors": {}}"#)
        XCTAssertThrowsError(try BenchOutcome.read(path: negative)) { XCTAssertTrue("\($0)".contains("requests_ok is -1"), "\($0)") }
        let truncated = try file("truncated.json", #"{"target": "x", "#)
        XCTAssertThrowsError(try BenchOutcome.read(path: truncated)) { XCTAssertTrue("\($0)".contains("malformed JSON"), "\($0)") }
    }

    func testThePlotIsAPNGOfTheChartsSize() throws {
        var text = header
        for s in 1...120 { text += row(s, rss: 30000 + s * 10, event: s % 10 == 0 ? "version-added" : "") }
        let samples = try SoakSamples.read(path: try file("samples.csv", text))
        let png = dir.appendingPathComponent("soak.png").path
        try SoakPlot.write(samples, to: png, title: "test")
        let size = try PNGFile.dimensions(png)
        XCTAssertEqual(size.width, 1000)
        XCTAssertEqual(size.height, 900)
    }

    func testALineChartRefusesSeriesOfTheWrongLength() {
        let chart = LineChart(title: "t", xLabel: "s", width: 400, height: 300)
        let png = dir.appendingPathComponent("bad.png").path
        XCTAssertThrowsError(try chart.write(x: [1, 2, 3], panels: [LinePanel(yLabel: "y", series: [LineSeries(name: "a", values: [1, 2])])],
                                             to: png)) {
            XCTAssertTrue("\($0)".contains("series 'a' has 2 values for 3 x values"), "\($0)")
        }
        XCTAssertThrowsError(try chart.write(x: [1], panels: [LinePanel(yLabel: "y", series: [])], to: png))
        XCTAssertThrowsError(try chart.write(x: [1, 2], panels: [], to: png))
        XCTAssertFalse(FileManager.default.fileExists(atPath: png))
    }
}
