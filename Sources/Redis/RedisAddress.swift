/// Where a Redis server listens: `redis://host:port[/db]`.
public struct RedisAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// The logical database (`SELECT db`); 0 by default.
    public var database: Int

    public init(host: String, port: Int = 6379, database: Int = 0) {
        self.host = host
        self.port = port
        self.database = database
    }

    /// Parses `redis://host[:port][/db]`; IPv6 hosts go in brackets
    /// (`redis://[::1]:6379`). Throws a message naming what is wrong.
    public init(url: String) throws(RedisAddressError) {
        let prefix = "redis://"
        guard url.hasPrefix(prefix) else {
            throw RedisAddressError("'\(url)' is not a redis:// URL (expected redis://host:port[/db])")
        }
        var rest = Substring(url.dropFirst(prefix.count))
        var database = 0
        if let slash = rest.firstIndex(of: "/") {
            let dbText = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
            if !dbText.isEmpty {
                guard let db = Int(dbText), db >= 0 else {
                    throw RedisAddressError("'\(url)': database '\(dbText)' is not a non-negative number")
                }
                database = db
            }
        }
        var host: Substring
        var portText: Substring? = nil
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else {
                throw RedisAddressError("'\(url)': IPv6 host has no closing ']'")
            }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty {
                throw RedisAddressError("'\(url)': unexpected '\(after)' after the host")
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        } else {
            host = rest
        }
        guard !host.isEmpty else { throw RedisAddressError("'\(url)' names no host") }
        var port = 6379
        if let portText {
            guard let p = Int(portText), (1...65535).contains(p) else {
                throw RedisAddressError("'\(url)': port '\(portText)' is not in 1...65535")
            }
            port = p
        }
        self.init(host: String(host), port: port, database: database)
    }

    /// `redis://host:port/db`, as logs and error messages show it.
    public var description: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return database == 0 ? "redis://\(h):\(port)" : "redis://\(h):\(port)/\(database)"
    }
}

/// A malformed `redis://` URL.
public struct RedisAddressError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
