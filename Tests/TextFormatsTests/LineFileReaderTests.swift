import Foundation
import TextFormats
import XCTest

final class LineFileReaderTests: XCTestCase {
    private func lines(_ text: String, chunkSize: Int) throws -> [String] {
        let path = NSTemporaryDirectory() + "lines-\(UUID().uuidString).txt"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try LineFileReader(path: path, chunkSize: chunkSize)
        var out: [String] = []
        while let line = try reader.next({ String(decoding: $0, as: UTF8.self) }) { out.append(line) }
        XCTAssertEqual(reader.bytesConsumed, text.utf8.count)
        return out
    }

    func testSplitsOnLFAndCRLFWhateverTheChunkSize() throws {
        let text = "[1,2]\r\n{\"a\": \"x\\ny\"}\n\nlast line without a break"
        for chunk in [16, 17, 23, 1 << 16] {
            XCTAssertEqual(try lines(text, chunkSize: chunk),
                           ["[1,2]", "{\"a\": \"x\\ny\"}", "", "last line without a break"], "chunk \(chunk)")
        }
    }

    func testLineNumbersAdvance() throws {
        let path = NSTemporaryDirectory() + "lines-\(UUID().uuidString).txt"
        try Data("a\nb\n".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try LineFileReader(path: path)
        XCTAssertEqual(reader.line, 1)
        _ = try reader.next { _ in () }
        XCTAssertEqual(reader.line, 2)
        _ = try reader.next { _ in () }
        XCTAssertNil(try reader.next { _ in () })
    }

    func testMissingFileNamesIt() {
        XCTAssertThrowsError(try LineFileReader(path: "/nonexistent/x.jsonl")) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/x.jsonl"), "\(error)")
        }
    }
}
