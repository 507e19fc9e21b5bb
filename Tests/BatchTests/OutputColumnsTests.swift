import Foundation
import SwerveTestSupport
import TextFormats
import XCTest

/// How outputs become columns: `<output>` for [N] and [N,1], `<output>:<i>`
/// for [N,K], `<output>:<key>` for a ZipMap with the model's own keys; JSON
/// Lines output uses the same names as keys. Inputs here are JSON Lines
/// arrays (rows numbered from 0).
final class OutputColumnsTests: XCTestCase {
    /// A repository holding one fixture model as `<name>/1/model.onnx`.
    private func repository(_ fixture: String) throws -> URL {
        let root = try temporaryDirectory(self, "batch-columns")
        let version = root.appendingPathComponent("\(fixture)/1")
        try FileManager.default.createDirectory(at: version, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: TestPaths.fixtures.appendingPathComponent("\(fixture).onnx"),
                                         to: version.appendingPathComponent("model.onnx"))
        return root
    }

    private func score(_ fixture: String, models: URL? = nil, lines: String, output: String) throws -> URL {
        let models = try models ?? repository(fixture)
        let dir = try temporaryDirectory(self, "batch-columns-io")
        let input = dir.appendingPathComponent("in.jsonl"), out = dir.appendingPathComponent(output)
        try BatchFiles.write(lines, to: input)
        let run = try swerve(["batch", "predict", "--models", models.path, "--model", fixture, "--input", input.path,
                              "--output", out.path, "--progress"])
        XCTAssertEqual(run.status, 0, run.standardError)
        return out
    }

    func testZipMapWithStringKeysNamesColumnsByKey() throws {
        let out = try score("svc_string_labels", lines: "[5.1, 3.5, 1.4, 0.2]\n\n[6.7, 3.0, 5.2, 2.3]\n", output: "out.csv")
        let records = try BatchFiles.csvRecords(out)
        XCTAssertEqual(records.first, ["row", "output_label", "output_probability:setosa",
                                       "output_probability:versicolor", "output_probability:virginica"])
        XCTAssertEqual(records.dropFirst().map { Array($0.prefix(2)) }, [["0", "setosa"], ["1", "virginica"]])
    }

    func testNByKOutputIsOneColumnPerIndexAndJSONLinesUsesTheSameKeys() throws {
        let out = try score("iris_svc_nozipmap", lines: "[5.1, 3.5, 1.4, 0.2]\n[6.7, \"NaN\", 5.2, 2.3]\n", output: "out.jsonl")
        let values = try BatchFiles.jsonLinesValues(out)
        XCTAssertEqual(values.count, 2)
        guard case .object(let members) = values[0] else { return XCTFail("\(values[0])") }
        XCTAssertEqual(members.map(\.0), ["row", "label", "probabilities:0", "probabilities:1", "probabilities:2"])
        guard case .number(let row)? = values[1]["row"] else { return XCTFail("\(values[1])") }
        XCTAssertEqual(row.text, "1")
    }

    func testNByOneOutputIsOneColumnNamedAfterIt() throws {
        let models = try temporaryDirectory(self, "batch-diabetes")
        try FileManager.default.copyItem(at: TestPaths.models.appendingPathComponent("diabetes"), to: models.appendingPathComponent("diabetes"))
        let row = "[0.03, 0.05, 0.06, 0.02, -0.04, -0.03, -0.04, -0.002, 0.02, -0.017]\n"
        let out = try score("diabetes", models: models, lines: row + row, output: "out.csv")
        let records = try BatchFiles.csvRecords(out)
        XCTAssertEqual(records.first, ["row", "variable"])
        XCTAssertEqual(records.count, 3)
        XCTAssertEqual(records[1][1], records[2][1], "the same row scores the same")
        XCTAssertNotNil(Double(records[1][1]))
    }
}
