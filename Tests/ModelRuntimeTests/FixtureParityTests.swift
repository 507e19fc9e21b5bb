import Foundation
import XCTest
@testable import ModelRuntime

/// Runs every models/fixtures/*.json against its model and compares with the
/// outputs onnxruntime produced for the same rows.
final class FixtureParityTests: XCTestCase {
    func testEveryFixtureMatchesOnnxruntime() throws {
        let fixtures = try Fixture.all()
        XCTAssertGreaterThan(fixtures.count, 0, "no fixtures found under \(fixturesDirectory.path)")
        var failures: [String] = []
        var passed = 0
        for fixture in fixtures {
            do {
                let model = try Model.load(path: fixture.modelPath)
                let count = fixture.rows.count
                var problems: [String] = []
                let batch = try model.run([fixture.inputName: try fixture.input(rows: 0..<count)])
                problems += mismatches(fixture, batch, rows: 0..<count, run: "batch of \(count)")
                for row in Set([0, count / 2, count - 1]) where row >= 0 {
                    let single = try model.run([fixture.inputName: try fixture.input(rows: row..<(row + 1))])
                    problems += mismatches(fixture, single, rows: row..<(row + 1), run: "row \(row) alone")
                }
                if problems.isEmpty { passed += 1 } else { failures += problems }
            } catch {
                failures.append("\(fixture.name): \(error)")
            }
        }
        print("fixture parity: \(passed) of \(fixtures.count) fixtures match onnxruntime, \(failures.count) mismatches")
        XCTAssertEqual(passed, fixtures.count, "every fixture must match")
        XCTAssert(failures.isEmpty, "\n" + failures.joined(separator: "\n"))
    }
}

/// Odd but valid inputs must give results or a ModelError, never a crash.
final class FixtureRobustnessTests: XCTestCase {
    func testEveryModelAcceptsEmptyBatchesAndExtremeValues() throws {
        var problems: [String] = []
        for fixture in try Fixture.all() {
            guard let model = try? Model.load(path: fixture.modelPath) else { continue }
            let width = fixture.rows.first?.count ?? 0
            var feeds: [(String, Tensor)] = [("empty batch", try fixture.input(rows: 0..<0))]
            if fixture.inputType == .float {
                for (label, value) in [("NaN", Float.nan), ("+inf", .infinity), ("-inf", -.infinity), ("1e30", 1e30), ("0", 0)] {
                    feeds.append((label, Tensor(shape: [2, width], floats: [Float](repeating: value, count: 2 * width))))
                }
            }
            for (label, input) in feeds {
                do {
                    let outputs = try model.run([fixture.inputName: input])
                    if outputs.count != model.outputs.count { problems.append("\(fixture.name) \(label): \(outputs.count) outputs") }
                } catch let error as ModelError {
                    // A clear error is acceptable for inputs the model cannot take.
                    if ProcessInfo.processInfo.environment["SWERVE_VERBOSE"] != nil { print("\(fixture.name) \(label): \(error)") }
                } catch {
                    problems.append("\(fixture.name) \(label): \(error)")
                }
            }
        }
        XCTAssert(problems.isEmpty, problems.joined(separator: "\n"))
    }
}
