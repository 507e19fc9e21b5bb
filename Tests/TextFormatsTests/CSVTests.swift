import Foundation
import TextFormats
import XCTest

final class CSVTests: XCTestCase {
    private func records(_ text: String, chunkSize: Int = 1 << 16) throws -> [[String]] {
        let path = NSTemporaryDirectory() + "csv-\(UUID().uuidString).csv"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try CSVFileReader(path: path, chunkSize: chunkSize)
        var fields = CSVFields()
        var out: [[String]] = []
        while try reader.next(into: &fields) {
            out.append((0..<fields.count).map { fields.string($0) })
        }
        return out
    }

    func testReadsQuotedFieldsWithCommasQuotesAndLineBreaks() throws {
        let text = "id,name,x\n1,\"a, \"\"b\"\"\",2.5\r\n2,\"two\nlines\",3\n"
        let expected = [["id", "name", "x"], ["1", "a, \"b\"", "2.5"], ["2", "two\nlines", "3"]]
        // Every chunk size splits records at different places; the records stay the same.
        for chunk in [16, 17, 19, 23, 64, 1 << 16] {
            XCTAssertEqual(try records(text, chunkSize: chunk), expected, "chunk \(chunk)")
        }
    }

    func testLastRecordWithoutLineBreakAndEmptyFields() throws {
        XCTAssertEqual(try records("a,,b\n,\n1,2,3"), [["a", "", "b"], ["", ""], ["1", "2", "3"]])
    }

    func testLineNumbersCountQuotedLineBreaks() throws {
        let path = NSTemporaryDirectory() + "csv-\(UUID().uuidString).csv"
        try Data("a\n\"x\ny\"\nb\n".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try CSVFileReader(path: path)
        var fields = CSVFields()
        var lines: [Int] = []
        while true {
            let line = reader.line
            guard try reader.next(into: &fields) else { break }
            lines.append(line)
        }
        XCTAssertEqual(lines, [1, 2, 4])
    }

    func testMalformedQuotingNamesTheLine() {
        XCTAssertThrowsError(try records("a\nb\"c\n")) { XCTAssertEqual("\($0)", "line 2: a quote inside an unquoted field") }
        XCTAssertThrowsError(try records("a\n\"open")) { XCTAssertEqual("\($0)", "line 2: a quoted field is never closed") }
        XCTAssertThrowsError(try records("\"a\"b\n")) { XCTAssertEqual("\($0)", "line 1: unexpected character after a closing quote") }
    }

    func testNumbers() throws {
        let path = NSTemporaryDirectory() + "csv-\(UUID().uuidString).csv"
        try Data("1.5, -2 ,1e3,x,,nan,3abc\n".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try CSVFileReader(path: path)
        var fields = CSVFields()
        XCTAssertTrue(try reader.next(into: &fields))
        XCTAssertEqual(fields.double(0), 1.5)
        XCTAssertEqual(fields.double(1), -2)
        XCTAssertEqual(fields.double(2), 1000)
        XCTAssertNil(fields.double(3))
        XCTAssertNil(fields.double(4))
        XCTAssertTrue(fields.double(5)?.isNaN ?? false)
        XCTAssertNil(fields.double(6))
    }

    func testMissingFileIsAClearError() {
        XCTAssertThrowsError(try CSVFileReader(path: "/nonexistent/x.csv")) {
            XCTAssertTrue("\($0)".contains("cannot open /nonexistent/x.csv"), "\($0)")
        }
    }

    func testWriterQuotesOnlyWhenNeededAndRoundTrips() throws {
        var writer = CSVWriter()
        writer.field("id")
        writer.field("a,b")
        writer.field("say \"hi\"")
        writer.endRecord()
        writer.field(Int64(-7))
        writer.field(Float(0.1))
        writer.field(151.123456789123, significantDigits: 9)
        writer.field(Double.nan)
        writer.endRecord()
        let text = String(decoding: writer.bytes, as: UTF8.self)
        XCTAssertEqual(text, "id,\"a,b\",\"say \"\"hi\"\"\"\n-7,0.1,151.123457,nan\n")
        XCTAssertEqual(try records(text), [["id", "a,b", "say \"hi\""], ["-7", "0.1", "151.123457", "nan"]])
    }
}
