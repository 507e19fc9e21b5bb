import SwerveBenchCore
import XCTest

final class RowSourceTests: XCTestCase {
    func testParsesCommaSpaceAndBracketedRows() throws {
        let rows = try RowSource.parse("# sepal, petal\n5.1,3.5,1.4,0.2\n[6.2, 2.9, 4.3, 1.3]\n\n7.7 3.0\t6.1 2.3\r\n")
        XCTAssertEqual(rows.rows, [[5.1, 3.5, 1.4, 0.2], [6.2, 2.9, 4.3, 1.3], [7.7, 3.0, 6.1, 2.3]])
        XCTAssertEqual(rows.features, 4)
    }

    func testRaggedRowsNameTheLine() {
        XCTAssertThrowsError(try RowSource.parse("1,2,3\n4,5\n", name: "r.csv")) { error in
            XCTAssertEqual(error as? BenchError, .invalidRows("r.csv line 2 has 2 values, earlier rows have 3"))
        }
    }

    func testNonNumbersNameTheToken() {
        XCTAssertThrowsError(try RowSource.parse("1,2\n3,abc\n", name: "r.csv")) { error in
            XCTAssertEqual(error as? BenchError, .invalidRows("r.csv line 2: 'abc' is not a finite number"))
        }
        XCTAssertThrowsError(try RowSource.parse("\n# nothing\n", name: "r.csv")) { error in
            XCTAssertEqual(error as? BenchError, .invalidRows("r.csv holds no rows"))
        }
    }

    func testMissingFileIsNamed() {
        XCTAssertThrowsError(try RowSource.load(path: "/nonexistent/rows.csv")) { error in
            XCTAssertTrue("\(error)".contains("cannot open '/nonexistent/rows.csv'"), "\(error)")
        }
    }

    func testRandomRowsAreReproducible() {
        let a = RowSource.random(features: 4, count: 10, seed: 7)
        let b = RowSource.random(features: 4, count: 10, seed: 7)
        let c = RowSource.random(features: 4, count: 10, seed: 8)
        XCTAssertEqual(a.rows, b.rows)
        XCTAssertNotEqual(a.rows, c.rows)
        XCTAssertEqual(a.rows.count, 10)
        XCTAssertTrue(a.rows.allSatisfy { $0.count == 4 && $0.allSatisfy { (0..<8).contains($0) } })
    }

    func testBatchesWrapAroundTheRows() {
        XCTAssertEqual(RowSource(rows: [[1], [2], [3]]).batches(of: 2, limit: 10), [[[1], [2]]])
        XCTAssertEqual(RowSource(rows: [[1], [2], [3], [4]]).batches(of: 2, limit: 10), [[[1], [2]], [[3], [4]]])
        XCTAssertEqual(RowSource(rows: [[1], [2]]).batches(of: 3, limit: 10), [[[1], [2], [1]]])
    }
}
