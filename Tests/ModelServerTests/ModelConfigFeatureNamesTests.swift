import ModelServer
import XCTest

/// config.json `feature_names`: one name per input column, in order.
final class ModelConfigFeatureNamesTests: XCTestCase {
    private func parse(_ json: String) throws -> ModelConfig {
        try ModelConfig.parse(Array(json.utf8), file: "m/config.json")
    }

    private func problem(_ json: String) -> String? {
        do {
            _ = try parse(json)
            return nil
        } catch {
            return (error as? ModelConfigError)?.problem
        }
    }

    func testNamesAreReadInOrder() throws {
        XCTAssertEqual(try parse(#"{"feature_names": ["age", "sex", "bmi"]}"#).featureNames, ["age", "sex", "bmi"])
        XCTAssertEqual(try parse("{}").featureNames, [])
    }

    func testBadNamesAreRefusedNamingTheKey() {
        XCTAssertEqual(problem(#"{"feature_names": "age"}"#),
                       "\"feature_names\" must be a non-empty array of strings (one per input column), got \"age\"")
        XCTAssertEqual(problem(#"{"feature_names": []}"#),
                       "\"feature_names\" must be a non-empty array of strings (one per input column), got an array")
        XCTAssertEqual(problem(#"{"feature_names": ["a", 1]}"#), "\"feature_names\"[1] must be a non-empty string, got 1")
        XCTAssertEqual(problem(#"{"feature_names": ["a", ""]}"#), "\"feature_names\"[1] must be a non-empty string, got \"\"")
        XCTAssertEqual(problem(#"{"feature_names": ["a", "a"]}"#), "\"feature_names\" lists \"a\" twice")
    }

    func testShippedModelsNameTheirFeatures() throws {
        let models = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("models")
        let iris = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]
        for (name, expected) in [("iris", iris), ("iris-setosa", iris), ("iris-versicolor", iris), ("iris-virginica", iris),
                                 ("diabetes", ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"])] {
            let bytes = try Data(contentsOf: models.appendingPathComponent("\(name)/config.json"))
            XCTAssertEqual(try ModelConfig.parse(Array(bytes), file: name).featureNames, expected, name)
        }
    }
}
