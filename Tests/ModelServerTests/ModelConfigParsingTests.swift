import ModelServer
import TextFormats
import XCTest

final class ModelConfigParsingTests: XCTestCase {
    private func parse(_ json: String) throws -> ModelConfig {
        try ModelConfig.parse(Array(json.utf8), file: "m/config.json")
    }

    private func problem(_ json: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try parse(json)
            XCTFail("expected \(json) to be refused", file: file, line: line)
            return ""
        } catch let error as ModelConfigError {
            XCTAssertEqual(error.file, "m/config.json", file: file, line: line)
            XCTAssertTrue(error.description.hasPrefix("m/config.json: "), file: file, line: line)
            return error.problem
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
            return ""
        }
    }

    func testEveryKnownKeyIsRead() throws {
        let config = try parse("""
            {"labels": ["setosa", "versicolor", "virginica"], "version_policy": {"latest": 2},
             "version_labels": {"stable": 1, "canary": 2}, "max_batch_size": 1000}
            """)
        XCTAssertEqual(config.classLabels, ["setosa", "versicolor", "virginica"])
        XCTAssertEqual(config.versionPolicy, .latest(2))
        XCTAssertEqual(config.versionLabels, ["stable": 1, "canary": 2])
        XCTAssertEqual(config.maxBatchSize, 1000)
        XCTAssertEqual(config.labels(of: 2), ["canary"])
        XCTAssertFalse(config.isFanOut)
    }

    func testEmptyObjectGivesDefaults() throws {
        let config = try parse("{}")
        XCTAssertEqual(config, ModelConfig.default)
        XCTAssertEqual(config.versionPolicy, .latest(1))
        XCTAssertNil(config.maxBatchSize)
    }

    func testOtherPolicies() throws {
        XCTAssertEqual(try parse(#"{"version_policy": {"all": true}}"#).versionPolicy, .all)
        XCTAssertEqual(try parse(#"{"version_policy": {"specific": [3, 1, 3]}}"#).versionPolicy, .specific([3, 1]))
    }

    func testUnknownKeysAreKeptRaw() throws {
        let config = try parse(#"{"fan_out": {"members": ["a", "b"]}, "description": "x", "labels": ["a"]}"#)
        XCTAssertTrue(config.isFanOut)
        XCTAssertEqual(config.raw["description"], .string("x"))
        XCTAssertEqual(config.raw["fan_out"]?["members"], .array([.string("a"), .string("b")]))
        XCTAssertEqual(config.raw["labels"], .array([.string("a")]))
    }

    func testWrongTypesNameTheKey() {
        XCTAssertEqual(problem(#"{"labels": "setosa"}"#), "\"labels\" must be an array of strings, got a string")
        XCTAssertEqual(problem(#"{"labels": ["a", 2]}"#), "\"labels\"[1] must be a string, got a number")
        XCTAssertEqual(problem(#"{"max_batch_size": "10"}"#), "\"max_batch_size\" must be a positive integer, got \"10\"")
        XCTAssertEqual(problem(#"{"max_batch_size": 0}"#), "\"max_batch_size\" must be a positive integer, got 0")
        XCTAssertEqual(problem(#"{"max_batch_size": 2.5}"#), "\"max_batch_size\" must be a positive integer, got 2.5")
        XCTAssertEqual(problem(#"{"max_batch_size": true}"#), "\"max_batch_size\" must be a positive integer, got true")
        XCTAssertEqual(problem(#"{"version_labels": {"stable": "1"}}"#),
                       "\"version_labels\".stable must be a positive integer version, got \"1\"")
        XCTAssertEqual(problem(#"{"version_labels": [1]}"#),
                       "\"version_labels\" must be an object of label: version, got an array")
        XCTAssertEqual(problem(#"{"version_labels": {"": 1}}"#), "\"version_labels\" has an empty label")
    }

    func testAcceptsMissingValuesIsABoolean() throws {
        XCTAssertTrue(try parse(#"{"accepts_missing_values": true}"#).acceptsMissingValues)
        XCTAssertFalse(try parse("{}").acceptsMissingValues)
        XCTAssertEqual(problem(#"{"accepts_missing_values": "yes"}"#), "\"accepts_missing_values\" must be true or false, got \"yes\"")
    }

    func testBadPolicies() {
        XCTAssertTrue(problem(#"{"version_policy": {"latest": 0}}"#).contains("\"version_policy\".latest must be a positive integer, got 0"))
        XCTAssertTrue(problem(#"{"version_policy": {"all": false}}"#).contains("\"version_policy\".all must be true"))
        XCTAssertTrue(problem(#"{"version_policy": {"specific": []}}"#).contains("\"version_policy\".specific must be a non-empty array"))
        XCTAssertTrue(problem(#"{"version_policy": {"specific": [1, -2]}}"#).contains("\"version_policy\".specific[1] must be a positive integer, got -2"))
        XCTAssertTrue(problem(#"{"version_policy": {"newest": 1}}"#).contains("unknown key \"newest\""))
        XCTAssertTrue(problem(#"{"version_policy": {"latest": 1, "all": true}}"#).contains("must be exactly one of"))
        XCTAssertTrue(problem(#"{"version_policy": "latest"}"#).contains("must be exactly one of"))
    }

    func testNotJSONOrNotAnObject() {
        XCTAssertTrue(problem(#"{"labels": ["a""#).hasPrefix("not valid JSON"))
        XCTAssertTrue(problem("").hasPrefix("not valid JSON"))
        XCTAssertEqual(problem("[1, 2]"), "must hold a JSON object, found an array")
    }

    func testVersionPolicySelection() {
        let onDisk: [Int64] = [1, 2, 5, 10]
        XCTAssertEqual(VersionPolicy.latest(1).select(from: onDisk), [10])
        XCTAssertEqual(VersionPolicy.latest(2).select(from: onDisk), [5, 10])
        XCTAssertEqual(VersionPolicy.latest(9).select(from: onDisk), [1, 2, 5, 10])
        XCTAssertEqual(VersionPolicy.all.select(from: onDisk), [1, 2, 5, 10])
        XCTAssertEqual(VersionPolicy.specific([2, 3]).select(from: onDisk), [2])
        XCTAssertEqual(VersionPolicy.latest(1).select(from: []), [])
    }
}
