import Foundation
import Logging
import Plotting
import Streaming
import XCTest

/// The plot service on missing, empty and half-garbage CSVs: logged, never fatal.
final class PlotServiceTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws {
        dir = try StreamPaths.temporaryDirectory("plot")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    private func service(_ csv: String, width: Int = 800, height: Int = 600) -> (PlotService, String) {
        let png = dir.appendingPathComponent("errors.png").path
        var options = PlotService.Options(csvPath: dir.appendingPathComponent(csv).path, pngPath: png)
        options.width = width
        options.height = height
        return (PlotService(options, logger: Logger(label: "test"), stop: StopSignal()), png)
    }

    private func write(_ name: String, _ text: String) throws {
        try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    func testAMissingCSVIsReportedAndNoPNGIsWritten() {
        let (plot, png) = service("absent.csv")
        XCTAssertEqual(plot.redraw(), .notFound)
        XCTAssertFalse(FileManager.default.fileExists(atPath: png))
    }

    func testAnEmptyCSVAndAHeaderOnlyCSVHaveNoRows() throws {
        try write("zero.csv", "")
        XCTAssertEqual(service("zero.csv").0.redraw(), .empty(malformed: 0))
        try write("header.csv", "id,y_true,y_pred,error\n")
        let (plot, png) = service("header.csv")
        XCTAssertEqual(plot.redraw(), .empty(malformed: 0))
        XCTAssertFalse(FileManager.default.fileExists(atPath: png))
    }

    func testHalfGarbageCSVPlotsTheGoodRowsAndCountsTheRest() throws {
        var text = "id,y_true,y_pred,error\n"
        for i in 0..<50 { text += "a\(i),\(i),\(Double(i) * 0.9),\(Double(i) * 0.1)\n" }
        text += "garbage line\n"
        text += "b1,1,2,not-a-number\n"
        text += "b2,1,2\n"
        text += "b3,1,2,-5\n"
        text += "\u{01}\u{02}binary,,,,\n"
        text += "b4,1,2,3,4\n"
        text += "torn,1,2"
        try write("half.csv", text)
        let (plot, png) = service("half.csv", width: 320, height: 240)
        XCTAssertEqual(plot.redraw(), .updated(rows: 50, malformed: 7))
        let size = try PNGFile.dimensions(png)
        XCTAssertEqual(size.width, 320)
        XCTAssertEqual(size.height, 240)
    }

    func testAnUnterminatedQuoteStopsTheReadButKeepsTheRowsBefore() throws {
        try write("quote.csv", "id,y_true,y_pred,error\nx1,1,2,1\n\"x2,1,2,1\nx3,1,2,1\n")
        XCTAssertEqual(service("quote.csv").0.redraw(), .updated(rows: 1, malformed: 1))
    }

    func testThePlotCommandLogsEachCaseAndExitsZero() throws {
        let png = dir.appendingPathComponent("cli.png").path
        let missing = try ServiceProcess(["stream", "plot", "--csv", dir.appendingPathComponent("none.csv").path, "--png", png, "--once"])
        XCTAssertEqual(missing.waitForExit(timeout: 30), 0)
        XCTAssertTrue(missing.text.contains("not found"), missing.text)
        try write("cli.csv", "id,y_true,y_pred,error\nq,1,2,1\nbad\n")
        let drawn = try ServiceProcess(["stream", "plot", "--csv", dir.appendingPathComponent("cli.csv").path, "--png", png, "--once",
                                        "--width", "200", "--height", "150", "--bins", "3"])
        XCTAssertEqual(drawn.waitForExit(timeout: 30), 0)
        XCTAssertTrue(drawn.text.contains("1 malformed lines skipped"), drawn.text)
        XCTAssertTrue(drawn.text.contains("histogram updated (1 rows)"), drawn.text)
        XCTAssertEqual(try PNGFile.dimensions(png).width, 200)
        let bad = try ServiceProcess(["stream", "plot", "--width", "5", "--once"])
        XCTAssertNotEqual(bad.waitForExit(timeout: 30), 0)
        XCTAssertTrue(bad.text.contains("--width and --height must be in 100...10000"), bad.text)
    }
}
