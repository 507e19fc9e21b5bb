@testable import ModelServer
import XCTest

final class RepositoryScannerTests: XCTestCase {
    func testVersionDirectoryNames() {
        XCTAssertEqual(RepositoryScanner.parseVersion("1"), 1)
        XCTAssertEqual(RepositoryScanner.parseVersion("42"), 42)
        XCTAssertEqual(RepositoryScanner.parseVersion("9223372036854775807"), Int64.max)
        for bad in ["", "0", "00", "01", "-1", "+1", "1.0", "1a", " 1", "١", "9223372036854775808"] {
            XCTAssertNil(RepositoryScanner.parseVersion(bad), bad)
        }
    }

    func testScanReportsWhatItFound() throws {
        let fixture = try RepositoryFixture()
        try fixture.addVersion("m", 1)
        try fixture.addVersion("m", 2)
        try fixture.writeConfig("m", "{}")
        try fixture.writeConfig("only-config", "{}")
        let scan = try RepositoryScanner(root: fixture.root).scan()
        XCTAssertEqual(Set(scan.models.keys), ["m", "only-config"])
        XCTAssertEqual(Set(scan.models["m"]!.versions.keys), [1, 2])
        if case .file(let stamp)? = scan.models["m"]!.versions[1] {
            XCTAssertEqual(stamp.size, 2)
        } else {
            XCTFail("version 1: \(String(describing: scan.models["m"]!.versions[1]))")
        }
        XCTAssertNotNil(try? scan.models["m"]!.config?.get())
        XCTAssertEqual(scan.models["only-config"]!.versions.count, 0)
        XCTAssertTrue(scan.problems.isEmpty)
    }

    func testScanOfAMissingRootThrows() throws {
        let fixture = try RepositoryFixture()
        XCTAssertThrowsError(try RepositoryScanner(root: fixture.path("missing")).scan()) { error in
            XCTAssertTrue("\(error)".contains("No such file or directory"), "\(error)")
        }
    }
}
