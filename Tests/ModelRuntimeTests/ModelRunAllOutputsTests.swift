import XCTest
@testable import ModelRuntime

/// `runAllOutputs` is `run` without the dictionary: the same values, in
/// the order of `Model.outputs`, and the same errors.
final class ModelRunAllOutputsTests: XCTestCase {
    func testEveryFixtureGivesRunsOutputsInModelOrder() throws {
        let fixtures = try Fixture.all()
        XCTAssertGreaterThan(fixtures.count, 0, "no fixtures found under \(fixturesDirectory.path)")
        for fixture in fixtures {
            let model = try Model.load(path: fixture.modelPath)
            for rows in [0..<fixture.rows.count, 0..<1] {
                let feeds = [fixture.inputName: try fixture.input(rows: rows)]
                let byName = try model.run(feeds)
                let ordered = try model.runAllOutputs(feeds)
                XCTAssertEqual(ordered.count, model.outputs.count, fixture.name)
                for (info, value) in zip(model.outputs, ordered) {
                    // Bit-for-bit: both runs do the same arithmetic.
                    XCTAssertEqual(String(describing: value), String(describing: byName[info.name]!),
                                   "\(fixture.name) output \(info.name) rows \(rows)")
                }
            }
        }
    }

    func testInputErrorsMatchRun() throws {
        let fixture = try XCTUnwrap(try Fixture.all().first)
        let model = try Model.load(path: fixture.modelPath)
        let input = try fixture.input(rows: 0..<1)
        for feeds in [[:], ["no_such_input": input], [fixture.inputName: input, "extra": input]] as [[String: Tensor]] {
            var expected = ""
            var actual = ""
            do { _ = try model.run(feeds) } catch { expected = String(describing: error) }
            do { _ = try model.runAllOutputs(feeds) } catch { actual = String(describing: error) }
            XCTAssertFalse(expected.isEmpty, "run accepted \(feeds.keys.sorted())")
            XCTAssertEqual(actual, expected)
        }
    }
}
