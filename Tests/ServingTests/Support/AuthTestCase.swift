import Foundation
import XCTest

/// A repository holding iris and a private token file, in a temporary
/// directory per test: what the auth process tests start servers on.
class AuthTestCase: XCTestCase {
    /// Scopes by token: one with everything, one per scope.
    static let tokens = """
        # test tokens
        all-token *
        predict-token predict
        jobs-token jobs
        metrics-token metrics

        """
    var root: URL!
    var tokenFile: URL!

    override func setUpWithError() throws {
        root = try TestPaths.temporaryDirectory("auth")
        let repository = root.appendingPathComponent("repo")
        try FileManager.default.createDirectory(at: repository, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: TestPaths.models.appendingPathComponent("iris"), to: repository.appendingPathComponent("iris"))
        tokenFile = root.appendingPathComponent("tokens")
        try writeTokens(Self.tokens)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: root)
    }

    /// Replaces the token file at once (a rename), readable by its owner only unless `mode` says otherwise.
    func writeTokens(_ text: String, mode: mode_t = 0o600) throws {
        let temporary = root.appendingPathComponent("tokens.new")
        try Data(text.utf8).write(to: temporary)
        chmod(temporary.path, mode)
        XCTAssertEqual(rename(temporary.path, tokenFile.path), 0)
    }
}
