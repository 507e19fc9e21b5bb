import Primitives

/// Who may do what: the token table read from `--auth-tokens`, swapped as a
/// whole when the file is re-read (SIGHUP), so a check sees either the old
/// table or the new one, never half of each. Connections stay open across a
/// reload; their next call is checked against the new table.
///
/// Thread-safety: every method may be called from any thread.
public final class AuthPolicy: Sendable {
    /// What a presented token is allowed.
    public enum Decision: Sendable, Equatable {
        case ok
        /// No token, or one the table does not hold.
        case unauthenticated
        /// A known token without the scope the call needs.
        case permissionDenied
    }

    /// The file the table came from (re-read by ``reload()``).
    public let path: String?
    private let table: Locked<[TokenFile.Entry]>

    /// Reads `path`; throws when it is unusable (see ``TokenFile/load(path:)``).
    public convenience init(path: String) throws(TokenFile.Failure) {
        self.init(entries: try TokenFile.load(path: path), path: path)
    }

    /// A table given directly (tests, embedding).
    public init(entries: [TokenFile.Entry], path: String? = nil) {
        self.path = path
        table = Locked(entries)
    }

    /// Re-reads the file and swaps the table in. A file that no longer
    /// parses throws and leaves the current table in force.
    /// - Returns: how many tokens the new table holds.
    @discardableResult
    public func reload() throws(TokenFile.Failure) -> Int {
        guard let path else { return table.withLock { $0.count } }
        let entries = try TokenFile.load(path: path)
        table.withLock { $0 = entries }
        return entries.count
    }

    /// Whether `token` may use `scope`. Digests the token once and compares
    /// it with every entry in constant time (no early exit), so neither the
    /// match nor its position shows in the timing.
    public func check(token: String?, scope: AuthScope) -> Decision {
        check(digest: token.flatMap { $0.isEmpty ? nil : TokenDigest($0) }, scope: scope)
    }

    /// ``check(token:scope:)`` for a token already digested (nil = none sent).
    public func check(digest: TokenDigest?, scope: AuthScope) -> Decision {
        guard let digest else { return .unauthenticated }
        let granted = table.withLock { entries -> AuthScopes? in
            var found: AuthScopes?
            for entry in entries where entry.digest.matches(digest) { found = entry.scopes }
            return found
        }
        guard let granted else { return .unauthenticated }
        return granted.grants(scope) ? .ok : .permissionDenied
    }
}
