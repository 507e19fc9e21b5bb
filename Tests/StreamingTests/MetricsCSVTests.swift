import Foundation
import Logging
@testable import Streaming
import XCTest

final class MetricsCSVTests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws { dir = try StreamPaths.temporaryDirectory("metrics-csv") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func testCreatesTheDirectoryAndHeaderThenAppendsRowsWithNineDigits() throws {
        let path = dir.appendingPathComponent("a/b/metrics.csv").path
        let csv = try MetricsCSV(path: path, dedupeWindow: 10, logger: Logger(label: "t"))
        // error = 151 − 148.200005 (as written), not 151 − 148.20000457763672.
        csv.append(id: MessageID("x"), yTrue: 151.0, yPred: 148.20000457763672)
        csv.append(id: MessageID("7", isInteger: true), yTrue: 1.0 / 3.0, yPred: 0)
        try csv.flush()
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8),
                       "id,y_true,y_pred,error\nx,151,148.200005,2.799995\n7,0.333333333,0,0.333333333\n")
    }

    func testATornLastLineIsDroppedAndEarlierIDsAreKnownOnStart() throws {
        let path = dir.appendingPathComponent("m.csv").path
        try "id,y_true,y_pred,error\na,1,2,1\nb,1,2,1\nc,1,2".write(toFile: path, atomically: true, encoding: .utf8)
        let csv = try MetricsCSV(path: path, dedupeWindow: 10, logger: Logger(label: "t"))
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "id,y_true,y_pred,error\na,1,2,1\nb,1,2,1\n")
        XCTAssertTrue(csv.contains(MessageID("a")))
        XCTAssertTrue(csv.contains(MessageID("b")))
        XCTAssertFalse(csv.contains(MessageID("c")), "the torn row was never acked: its halves come again")
    }

    func testTheDedupeWindowKeepsOnlyTheLastIDs() throws {
        var recent = RecentIDs(capacity: 3)
        for id in ["a", "b", "c", "d"] { recent.insert(id) }
        XCTAssertFalse(recent.contains("a"))
        XCTAssertTrue(recent.contains("b") && recent.contains("d"))
        XCTAssertEqual(recent.count, 3)
    }

    func testPrefetchCoversMaxPendingOrIsUnlimited() {
        XCTAssertEqual(MetricsService.prefetch(maxPending: 100), 1124)
        XCTAssertEqual(MetricsService.prefetch(maxPending: 100_000), 0)
    }
}
