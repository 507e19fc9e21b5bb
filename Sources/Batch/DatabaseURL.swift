/// Where a table run's database is: `sqlite:///relative/path.db` or
/// `sqlite:////absolute/path.db` (SQLAlchemy's rule: three slashes, then
/// the path), or `mysql://user:password@host:port/database` (MySQL or
/// MariaDB; `mariadb://` is accepted too). Its `description` never shows
/// the password, so it is safe to log.
public enum DatabaseURL: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case mysql(user: String, password: String?, host: String, port: Int, database: String)

    public init(_ text: String) throws(BatchError) {
        if text.hasPrefix("sqlite://") {
            let rest = text.dropFirst("sqlite://".count)
            guard rest.hasPrefix("/"), rest.count > 1 else {
                throw BatchError("database URL '\(text)' is not sqlite:///relative/path.db or sqlite:////absolute/path.db")
            }
            self = .sqlite(path: String(rest.dropFirst()))
            return
        }
        var rest: Substring
        if text.hasPrefix("mysql://") {
            rest = text.dropFirst("mysql://".count)
        } else if text.hasPrefix("mariadb://") {
            rest = text.dropFirst("mariadb://".count)
        } else {
            let scheme = text.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
            throw BatchError("database URL scheme '\(scheme)' is not supported; use sqlite:///path.db or mysql://user:pass@host:port/db")
        }
        let shown = Self.redacting(text)
        guard let at = rest.lastIndex(of: "@") else {
            throw BatchError("database URL '\(shown)' has no user: use mysql://user:pass@host:port/db")
        }
        let credentials = rest[..<at]
        rest = rest[rest.index(after: at)...]
        let user: String, password: String?
        if let colon = credentials.firstIndex(of: ":") {
            user = Self.percentDecoded(credentials[..<colon])
            password = Self.percentDecoded(credentials[credentials.index(after: colon)...])
        } else {
            user = Self.percentDecoded(credentials)
            password = nil
        }
        guard let slash = rest.firstIndex(of: "/") else {
            throw BatchError("database URL '\(shown)' names no database: use mysql://user:pass@host:port/db")
        }
        let hostPort = rest[..<slash]
        let database = String(rest[rest.index(after: slash)...].prefix { $0 != "?" })
        guard !user.isEmpty, !database.isEmpty, !hostPort.isEmpty else {
            throw BatchError("database URL '\(shown)' needs a user, a host and a database: mysql://user:pass@host:port/db")
        }
        var host = String(hostPort), port = 3306
        if let colon = hostPort.lastIndex(of: ":") {
            guard let parsed = Int(hostPort[hostPort.index(after: colon)...]), (1...65535).contains(parsed) else {
                throw BatchError("database URL '\(shown)' has a bad port")
            }
            host = String(hostPort[..<colon])
            port = parsed
        }
        self = .mysql(user: user, password: password, host: host, port: port, database: database)
    }

    public var description: String {
        switch self {
        case .sqlite(let path): return "sqlite:///\(path)"
        case .mysql(let user, let password, let host, let port, let database):
            return "mysql://\(user)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)"
        }
    }

    /// The URL text with any password replaced, for messages about a URL that did not parse.
    static func redacting(_ text: String) -> String {
        guard let scheme = text.firstRange(of: "://"), let at = text.lastIndex(of: "@"), scheme.upperBound < at,
              let colon = text[scheme.upperBound..<at].firstIndex(of: ":") else { return text }
        return String(text[..<text.index(after: colon)]) + "***" + String(text[at...])
    }

    private static func percentDecoded(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2,
               let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
