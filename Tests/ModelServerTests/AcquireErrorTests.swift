import ModelServer
import XCTest

/// Every way `acquire` refuses, with the message a person gets.
final class AcquireErrorTests: XCTestCase {
    private var fixture: RepositoryFixture!
    private var repository: ModelRepository!

    override func setUpWithError() throws {
        fixture = try RepositoryFixture()
        try fixture.addVersion("iris", 1)
        try fixture.addVersion("iris", 2)
        try fixture.addVersion("iris", 3, "fail: truncated protobuf")
        try fixture.writeConfig("iris", #"{"version_policy": {"all": true}, "version_labels": {"stable": 1, "broken": 3, "gone": 9}}"#)
        try fixture.addVersion("diabetes", 1)
        try fixture.addVersion("bad", 1, "fail: unsupported operator Foo")
        try fixture.writeConfig("empty", "{}")
        repository = fixture.repository()
        try repository.start()
    }

    override func tearDown() {
        repository.stop()
        // XCTest keeps test case instances alive until the process ends; drop
        // the fixture here so its temporary directory is deleted now.
        repository = nil
        fixture = nil
    }

    private func check(_ name: String, version: Int64? = nil, label: String? = nil,
                       _ kind: ModelServerError.Kind, _ message: String,
                       file: StaticString = #filePath, line: UInt = #line) {
        let error = acquireError(repository, name, version: version, label: label)
        XCTAssertEqual(error?.kind, kind, file: file, line: line)
        XCTAssertEqual(error?.message, message, file: file, line: line)
    }

    func testUnknownModel() {
        check("irs", .notFound, "model 'irs' not found (models: bad, diabetes, empty, iris)")
    }

    func testUnknownVersion() {
        check("iris", version: 7, .notFound, "model 'iris' has no version 7 (versions: 1, 2, 3)")
    }

    func testUnknownLabel() {
        check("iris", label: "canary", .notFound, "model 'iris' has no version label 'canary' (labels: broken, gone, stable)")
        check("diabetes", label: "canary", .notFound, "model 'diabetes' has no version label 'canary' (labels: none)")
    }

    func testLabelOfAMissingVersion() {
        check("iris", label: "gone", .notFound,
              "model 'iris' has no version 9 (version label 'gone' points to it; versions: 1, 2, 3)")
    }

    func testFailedVersion() {
        check("iris", version: 3, .unavailable, "version 3 of model 'iris' is FAILED: truncated protobuf")
        check("iris", label: "broken", .unavailable,
              "version 3 of model 'iris' (version label 'broken') is FAILED: truncated protobuf")
    }

    func testNoAvailableVersion() {
        check("bad", .unavailable, "model 'bad' has no AVAILABLE version (version 1 is FAILED: unsupported operator Foo)")
        check("empty", .unavailable, "model 'empty' has no AVAILABLE version (no versions on disk)")
    }

    func testInvalidArguments() {
        check("iris", version: 0, .invalidArgument, "version must be a positive integer, got 0")
        check("iris", version: 1, label: "stable", .invalidArgument,
              "give either a version or a version label, not both (version 1, label 'stable')")
    }

    func testSuccessfulResolutions() {
        XCTAssertEqual(servedVersion(repository, "iris"), 2, "the newest AVAILABLE version, skipping FAILED 3")
        XCTAssertEqual(servedVersion(repository, "iris", version: 1), 1)
        XCTAssertEqual(servedVersion(repository, "iris", label: "stable"), 1)
    }

    func testStatusErrors() {
        XCTAssertThrowsError(try repository.status(name: "nope", version: nil)) { error in
            XCTAssertEqual((error as? ModelServerError)?.kind, .notFound)
        }
        XCTAssertThrowsError(try repository.status(name: "iris", version: 8)) { error in
            XCTAssertEqual((error as? ModelServerError)?.message, "model 'iris' has no version 8 (versions: 1, 2, 3)")
        }
        XCTAssertThrowsError(try repository.config(name: "nope"))
        XCTAssertEqual(try repository.status(name: "iris", version: 3),
                       [ModelVersionStatus(version: 3, state: .failed, error: "truncated protobuf", labels: ["broken"])])
    }
}
