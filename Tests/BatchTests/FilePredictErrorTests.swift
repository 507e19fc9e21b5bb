import Foundation
import SwerveTestSupport
import XCTest

/// Bad input to `swerve batch predict`: a clear error naming the problem,
/// no output left behind; `--rejects` collects bad rows and finishes.
final class FilePredictErrorTests: XCTestCase {
    private var models: URL!
    private var dir: URL!

    override func setUpWithError() throws {
        models = try irisRepository(self)
        dir = try temporaryDirectory(self, "batch-errors")
    }

    private func run(_ input: String, named name: String, _ extra: [String] = []) throws -> (ChildProcess, URL) {
        let inputURL = dir.appendingPathComponent(name)
        try BatchFiles.write(input, to: inputURL)
        let output = dir.appendingPathComponent("out.csv")
        let child = try swerve(["batch", "predict", "--models", models.path, "--model", "iris", "--input", inputURL.path,
                                "--output", output.path] + extra)
        return (child, output)
    }

    private func assertFails(_ child: ChildProcess, _ message: String, output: URL, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(child.status, 1, child.standardError, file: file, line: line)
        XCTAssertTrue(child.standardError.contains(message), "stderr: \(child.standardError)\nexpected: \(message)", file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path), "no output after a failed run", file: file, line: line)
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: dir.path))?.filter { $0.hasSuffix(".tmp") } ?? []
        XCTAssertEqual(leftovers, [], "temporary file removed", file: file, line: line)
    }

    func testNonNumberStopsWithFileLineAndColumn() throws {
        let (child, output) = try run("id,a,b,c,d\n1,5,3,1,0.2\n2,5,abc,1,0.2\n", named: "bad.csv", ["--id-column", "id"])
        assertFails(child, "bad.csv:3: column 'b' is not a number: 'abc'", output: output)
    }

    func testWrongFieldCountStopsWithFileAndLine() throws {
        let (child, output) = try run("a,b,c,d\n5,3,1,0.2\n5,3,1\n", named: "short.csv")
        assertFails(child, "short.csv:3: 3 fields, the header has 4", output: output)
    }

    func testMalformedJSONLineStopsWithFileAndLine() throws {
        let (child, output) = try run("[5,3,1,0.2]\n[5,3,1,\n", named: "bad.jsonl")
        assertFails(child, "bad.jsonl:2: malformed JSON", output: output)
    }

    func testRejectsCollectsBadRowsAndTheRunFinishes() throws {
        let rejects = dir.appendingPathComponent("rejects.csv")
        let input = "id,a,b,c,d\n1,5,3,1,0.2\n2,5,x,1,0.2\n3,6,3,4,1\n4,1,2\n5,7,3,6,2\n"
        let (child, output) = try run(input, named: "mixed.csv", ["--id-column", "id", "--rejects", rejects.path])
        XCTAssertEqual(child.status, 0, child.standardError)
        XCTAssertTrue(child.standardError.contains("2 rejected"), child.standardError)
        XCTAssertEqual(try BatchFiles.csvRecords(output).dropFirst().map { $0[0] }, ["1", "3", "5"])
        XCTAssertEqual(try BatchFiles.csvRecords(rejects), [
            ["line", "reason", "record"],
            ["3", "column 'b' is not a number: 'x'", "2,5,x,1,0.2"],
            ["5", "3 fields, the header has 5", "4,1,2"],
        ])
    }

    func testMissingIdColumnAndUnknownColumnAreNamed() throws {
        let (noID, output) = try run("a,b,c,d\n5,3,1,0.2\n", named: "x.csv", ["--id-column", "key"])
        assertFails(noID, "has no id column 'key' (columns: a, b, c, d)", output: output)
        let (unknown, _) = try run("a,b,c,d\n5,3,1,0.2\n", named: "y.csv", ["--columns", "a,b,c,e"])
        assertFails(unknown, "has no column 'e'", output: output)
    }

    func testFeatureCountMismatchIsNamed() throws {
        let (child, output) = try run("a,b,c,d,e\n5,3,1,0.2,9\n", named: "wide.csv")
        assertFails(child, "the model wants 4 features per row; ", output: output)
    }

    func testUnsupportedNpyDtypeAndUnknownExtension() throws {
        let npy = dir.appendingPathComponent("ints.npy")
        var header = "{'descr': '<i8', 'fortran_order': False, 'shape': (1, 4), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        let bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0] + Array(header.utf8) + [UInt8](repeating: 0, count: 32)
        try Data(bytes).write(to: npy)
        let output = dir.appendingPathComponent("out.csv")
        let child = try swerve(["batch", "predict", "--models", models.path, "--model", "iris", "--input", npy.path, "--output", output.path])
        assertFails(child, "ints.npy: .npy dtype '<i8' is not supported", output: output)
        let (unknown, _) = try run("a,b,c,d\n", named: "data.txt")
        assertFails(unknown, "cannot tell the format of", output: output)
    }

    func testUnknownModelIsNamed() throws {
        let input = dir.appendingPathComponent("in.csv")
        try BatchFiles.write("a,b,c,d\n5,3,1,0.2\n", to: input)
        let output = dir.appendingPathComponent("out.csv")
        let child = try swerve(["batch", "predict", "--models", models.path, "--model", "nope", "--input", input.path, "--output", output.path])
        assertFails(child, "model 'nope' not found", output: output)
    }
}
