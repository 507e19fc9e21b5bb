import SwerveBenchCore
import XCTest

final class RowSourceRepeatTests: XCTestCase {
    func testRepeatPercentSendsThatShareOfHotBatchesAndFreshOnesOtherwise() {
        let source = RowSource.repeating(percent: 90, batch: 2, features: 4, seed: 7, cycles: 50)
        let batches = source.batches(of: 2, limit: .max)
        XCTAssertEqual(batches.count, 5000)
        var seen: [[[Float]]: Int] = [:]
        for b in batches { seen[b, default: 0] += 1 }
        let hot = seen.filter { $0.value > 1 }
        XCTAssertEqual(hot.count, 10, "ten hot batches repeat")
        XCTAssertEqual(hot.values.reduce(0, +), 4500, "90% of the requests")
        XCTAssertEqual(seen.count - hot.count, 500, "every other request is a batch of its own")
    }
}
