import Foundation
import ModelRuntime
import SwerveTestSupport
import TextFormats
import XCTest

/// `swerve batch predict` as a user runs it: a real process on real files.
final class FilePredictTests: XCTestCase {
    static let rowCount = 100_000
    nonisolated(unsafe) static var rows: IrisRows!
    nonisolated(unsafe) static var expected: IrisPredictions!

    override class func setUp() {
        super.setUp()
        rows = IrisRows(count: rowCount)
        expected = try? IrisPredictions.direct(rows)
    }

    private func predict(_ arguments: [String], models: URL, progress: Bool = false,
                         environment: [String: String] = [:]) throws -> ChildProcess {
        try swerve(["batch", "predict", "--models", models.path, "--model", "iris", progress ? "--progress" : "--no-progress"] + arguments,
                   environment: environment)
    }

    private func assertRow(_ index: Int, label: String, probabilities: [String], file: StaticString = #filePath, line: UInt = #line) {
        let expected = Self.expected!
        XCTAssertEqual(Int64(label), expected.labels[index], "row \(index) label", file: file, line: line)
        XCTAssertEqual(probabilities.map { Float($0) }, expected.probabilities[index].map { Optional($0) },
                       "row \(index) probabilities", file: file, line: line)
    }

    func testDirectPredictOfEachRowEqualsTheChunkedRun() throws {
        // The comparisons below use chunked direct runs; a row alone gives the same outputs.
        let model = try Model.load(path: IrisPredictions.modelPath)
        for index in stride(from: 0, to: Self.rowCount, by: 4999) {
            let values = try model.runAllOutputs(["input": Tensor(shape: [1, 4], floats: Array(Self.rows.floats[(index * 4)..<(index * 4 + 4)]))])
            guard case .tensor(let label) = values[0], case .int64(let labels) = label.storage,
                  case .zipMap(_, let p) = values[1], case .float(let probabilities) = p.storage else { return XCTFail("outputs") }
            XCTAssertEqual(labels[0], Self.expected.labels[index])
            XCTAssertEqual(probabilities, Self.expected.probabilities[index])
        }
    }

    func testCSVToCSVEqualsDirectPredictInInputOrder() throws {
        let models = try irisRepository(self)
        let dir = try temporaryDirectory(self, "batch-csv")
        let input = dir.appendingPathComponent("in.csv"), output = dir.appendingPathComponent("out.csv")
        try BatchFiles.csv(Self.rows, to: input)
        let run = try predict(["--input", input.path, "--output", output.path, "--id-column", "id", "--batch-size", "777", "--threads", "3"], models: models)
        XCTAssertEqual(run.status, 0, run.standardError)
        XCTAssertTrue(run.standardError.contains("\(Self.rowCount) rows"), run.standardError)
        let records = try BatchFiles.csvRecords(output)
        XCTAssertEqual(records.first, ["id", "label", "probabilities:0", "probabilities:1", "probabilities:2"])
        XCTAssertEqual(records.count, Self.rowCount + 1)
        for (index, record) in records.dropFirst().enumerated() {
            XCTAssertEqual(record[0], "r\(Self.rowCount - index)")
            assertRow(index, label: record[1], probabilities: Array(record[2...]))
        }
    }

    func testJSONLinesObjectsToJSONLinesEqualsDirectPredictInInputOrder() throws {
        let models = try irisRepository(self)
        let dir = try temporaryDirectory(self, "batch-jsonl")
        let input = dir.appendingPathComponent("in.jsonl"), output = dir.appendingPathComponent("out.jsonl")
        try BatchFiles.jsonLines(Self.rows, to: input)
        let run = try predict(["--input", input.path, "--output", output.path, "--id-column", "id", "--columns", "a,b,c,d"], models: models)
        XCTAssertEqual(run.status, 0, run.standardError)
        let values = try BatchFiles.jsonLinesValues(output)
        XCTAssertEqual(values.count, Self.rowCount)
        for (index, value) in values.enumerated() {
            guard case .number(let id)? = value["id"], case .number(let label)? = value["label"] else { return XCTFail("line \(index): \(value)") }
            XCTAssertEqual(id.text, "\(Self.rowCount - index)")
            let probabilities = (0..<3).map { key -> String in
                if case .number(let n)? = value["probabilities:\(key)"] { return n.text }
                return "missing"
            }
            assertRow(index, label: label.text, probabilities: probabilities)
        }
    }

    func testNpyToCSVNumbersRowsAndEqualsDirectPredict() throws {
        let models = try irisRepository(self)
        let dir = try temporaryDirectory(self, "batch-npy")
        let input = dir.appendingPathComponent("in.npy"), output = dir.appendingPathComponent("out.csv")
        try BatchFiles.npy(Self.rows, to: input)
        let run = try predict(["--input", input.path, "--output", output.path, "--batch-size", "1000"], models: models, progress: true)
        XCTAssertEqual(run.status, 0, run.standardError)
        // --progress draws rows, rows/s, percent and ETA on one line, then the summary.
        XCTAssertTrue(run.standardError.contains(" rows/s  ") && run.standardError.contains("%  ETA "), run.standardError)
        XCTAssertTrue(run.standardError.contains("swerve batch: \(Self.rowCount) rows scored with iris version 1"), run.standardError)
        let records = try BatchFiles.csvRecords(output)
        XCTAssertEqual(records.first?.first, "row")
        XCTAssertEqual(records.count, Self.rowCount + 1)
        for (index, record) in records.dropFirst().enumerated() {
            XCTAssertEqual(record[0], "\(index)")
            assertRow(index, label: record[1], probabilities: Array(record[2...]))
        }
    }

    func testPeakMemoryIsFlatFrom10kTo100kRows() throws {
        let models = try irisRepository(self)
        let dir = try temporaryDirectory(self, "batch-memory")
        var peaks: [Int] = []
        for count in [10_000, 100_000] {
            let input = dir.appendingPathComponent("in-\(count).csv"), output = dir.appendingPathComponent("out-\(count).csv")
            try BatchFiles.csv(IrisRows(count: count), to: input)
            let run = try predict(["--input", input.path, "--output", output.path, "--id-column", "id", "--threads", "2"], models: models,
                                  environment: MemoryMeasurement.childEnvironment)
            XCTAssertEqual(run.status, 0, run.standardError)
            // The run's own high-water mark (VmHWM), which it reports; wait4's
            // ru_maxrss would include this test process's size (Linux carries it
            // across fork and exec).
            let text = run.standardError
            let peak = text.range(of: "peak RSS ").flatMap { Int(text[$0.upperBound...].prefix { $0.isNumber }) }
            peaks.append(try XCTUnwrap(peak, text))
        }
        // Ten times the rows may not cost more than a few MiB of noise: a
        // run holding the input or output would add well over 8 MiB here.
        XCTAssertGreaterThan(peaks[0], 0)
        XCTAssertLessThanOrEqual(peaks[1] - peaks[0], 6, "peak RSS 10k rows: \(peaks[0]) MiB, 100k rows: \(peaks[1]) MiB")
    }
}
