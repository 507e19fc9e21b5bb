#if canImport(Glibc)
import Glibc
#endif
import TextFormats

/// The token file behind `--auth-tokens`: one token per line,
/// `<token> <scope>[,<scope>…]`, where a scope is `predict`, `jobs`, `admin`,
/// `metrics` or `*`. A `#` at the start of a line or after a space starts a
/// comment; blank lines are skipped.
///
/// Only digests leave the parser, and no error message ever quotes a token:
/// errors name the line number and what is wrong with it.
public enum TokenFile {
    /// One line's grant: a token's digest and its scopes.
    public struct Entry: Sendable {
        public let digest: TokenDigest
        public let scopes: AuthScopes
    }

    /// A token file that cannot be used, with the reason (never the token).
    public struct Failure: Error, Sendable, CustomStringConvertible, Equatable {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// Reads and parses `path`. Refuses a file every user may read: tokens
    /// in it would be anyone's.
    public static func load(path: String) throws(Failure) -> [Entry] {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw Failure("auth token file \(path): \(String(cString: strerror(errno)))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw Failure("auth token file \(path) is not a regular file")
        }
        if info.st_mode & S_IROTH != 0 {
            let mode = String(info.st_mode & 0o777, radix: 8)
            throw Failure("auth token file \(path) is readable by every user (mode \(mode)); "
                + "restrict it, e.g. chmod 600 \(path)")
        }
        do {
            let reader = try LineFileReader(path: path)
            var lines: [String] = []
            while let line = try reader.next({ String(decoding: $0, as: UTF8.self) }) { lines.append(line) }
            return try parse(lines: lines, source: path)
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure("auth token file \(path): \(error)")
        }
    }

    /// Parses the text of a token file; `source` names it in errors.
    public static func parse(_ text: String, source: String = "auth token file") throws(Failure) -> [Entry] {
        try parse(lines: text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init), source: source)
    }

    private static func parse(lines: [String], source: String) throws(Failure) -> [Entry] {
        var entries: [Entry] = []
        for (index, line) in lines.enumerated() {
            let number = index + 1
            guard let entry = try parseLine(line, at: "\(source) line \(number)") else { continue }
            if entries.contains(where: { $0.digest.matches(entry.digest) }) {
                throw Failure("\(source) line \(number): the token repeats one of an earlier line")
            }
            entries.append(entry)
        }
        if entries.isEmpty { throw Failure("\(source) holds no token: add lines '<token> <scope>[,<scope>…]'") }
        return entries
    }

    private static func parseLine(_ line: String, at place: String) throws(Failure) -> Entry? {
        var fields: [Substring] = []
        for field in line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }) {
            if field.hasPrefix("#") { break }
            fields.append(field)
        }
        if fields.isEmpty { return nil }
        guard fields.count == 2 else {
            throw Failure(fields.count == 1
                ? "\(place): a token needs its scopes after a space, e.g. '<token> predict,jobs'"
                : "\(place): expected '<token> <scope>[,<scope>…]' but found \(fields.count) fields (no spaces between scopes)")
        }
        var scopes: AuthScopes = []
        for name in fields[1].split(separator: ",", omittingEmptySubsequences: false) {
            if name == "*" {
                scopes = .all
            } else if let scope = AuthScope(rawValue: String(name)) {
                scopes.insert(AuthScopes(scope))
            } else {
                let known = AuthScope.allCases.map(\.rawValue).joined(separator: ", ")
                throw Failure("\(place): unknown scope '\(name.prefix(40))'; use \(known) or *")
            }
        }
        return Entry(digest: TokenDigest(String(fields[0])), scopes: scopes)
    }
}
