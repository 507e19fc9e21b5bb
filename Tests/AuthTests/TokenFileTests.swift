import Auth
import Foundation
import XCTest

final class TokenFileTests: XCTestCase {
    func testParsesTokensScopesCommentsAndBlankLines() throws {
        let entries = try TokenFile.parse("""
            # operators
            alpha-token predict,jobs   # the web front

            beta-token *
            \tgamma-token metrics\r
            """)
        let policy = AuthPolicy(entries: entries)
        XCTAssertEqual(policy.check(token: "alpha-token", scope: .predict), .ok)
        XCTAssertEqual(policy.check(token: "alpha-token", scope: .jobs), .ok)
        XCTAssertEqual(policy.check(token: "alpha-token", scope: .admin), .permissionDenied)
        XCTAssertEqual(policy.check(token: "beta-token", scope: .admin), .ok)
        XCTAssertEqual(policy.check(token: "gamma-token", scope: .metrics), .ok)
        XCTAssertEqual(policy.check(token: "gamma-token", scope: .predict), .permissionDenied)
        XCTAssertEqual(policy.check(token: "alpha-toke", scope: .predict), .unauthenticated)
        XCTAssertEqual(policy.check(token: nil, scope: .predict), .unauthenticated)
        XCTAssertEqual(policy.check(token: "", scope: .predict), .unauthenticated)
    }

    func testBadLinesNameTheLineAndNeverTheToken() {
        let cases: [(String, String)] = [
            ("ok-token predict\nsecret-one\n", "line 2: a token needs its scopes"),
            ("secret-two predict, jobs\n", "line 1: expected '<token> <scope>[,<scope>…]' but found 3 fields"),
            ("# c\nsecret-three predict,root\n", "line 2: unknown scope 'root'"),
            ("secret-four predict,,jobs\n", "line 1: unknown scope ''"),
            ("secret-five predict\nsecret-five jobs\n", "line 2: the token repeats one of an earlier line"),
            ("# only comments\n\n", "holds no token"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try TokenFile.parse(text)) { error in
                let message = "\(error)"
                XCTAssertTrue(message.contains(expected), "\(message) should contain \(expected)")
                XCTAssertFalse(message.contains("secret"), "\(message) must not show a token")
            }
        }
    }

    func testWorldReadableFileIsRefusedAndPrivateOneLoads() throws {
        let path = NSTemporaryDirectory() + "tokens-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("t1 predict\n".utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o644)
        XCTAssertThrowsError(try TokenFile.load(path: path)) { error in
            XCTAssertTrue("\(error)".contains("readable by every user (mode 644)"), "\(error)")
        }
        chmod(path, 0o600)
        XCTAssertEqual(try TokenFile.load(path: path).count, 1)
        XCTAssertThrowsError(try TokenFile.load(path: path + "-missing")) { error in
            XCTAssertTrue("\(error)".contains("No such file"), "\(error)")
        }
    }

    func testReloadKeepsTheOldTableWhenTheNewFileIsBad() throws {
        let path = NSTemporaryDirectory() + "tokens-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        FileManager.default.createFile(atPath: path, contents: Data("old predict\n".utf8), attributes: [.posixPermissions: 0o600])
        let policy = try AuthPolicy(path: path)
        try Data("new predict\n".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try policy.reload(), 1)
        XCTAssertEqual(policy.check(token: "old", scope: .predict), .unauthenticated)
        XCTAssertEqual(policy.check(token: "new", scope: .predict), .ok)
        try Data("new predict,bogus\n".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try policy.reload())
        XCTAssertEqual(policy.check(token: "new", scope: .predict), .ok)
    }

    func testRateLimiterRefusesOverTheRateAndKeepsKeysApart() {
        let limiter = RateLimiter(ratePerSecond: 5)
        let a = RateLimiter.Key.token(TokenDigest("a")), b = RateLimiter.Key.peer("10.0.0.2")
        let admittedA = (0..<20).filter { _ in limiter.admit(a) }.count
        // A burst of one second's worth (5), plus at most a refill during the loop.
        XCTAssertTrue((5...6).contains(admittedA), "admitted \(admittedA)")
        XCTAssertTrue(limiter.admit(b))
        XCTAssertEqual(TokenDigest("x"), TokenDigest("x"))
        XCTAssertNotEqual(TokenDigest("x"), TokenDigest("y"))
    }
}
