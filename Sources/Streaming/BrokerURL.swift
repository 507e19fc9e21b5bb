/// `amqp://user:pass@host:port/vhost`, read the way pika reads it: user and
/// password default to guest, the port to 5672, and an empty path or a bare
/// `/` means the default vhost `/` (`%2F` spells it explicitly).
public struct BrokerURL: Sendable, CustomStringConvertible {
    public let host: String
    public let port: Int
    public let user: String
    public let password: String
    public let virtualHost: String

    public init(_ text: String) throws(StreamError) {
        guard text.hasPrefix("amqp://") else {
            throw StreamError("broker URL '\(text)' must start with amqp:// (amqp://user:pass@host:port/vhost)")
        }
        var rest = Substring(text.dropFirst("amqp://".count))
        var path = ""
        if let slash = rest.firstIndex(of: "/") {
            path = String(rest[rest.index(after: slash)...])
            rest = rest[..<slash]
        }
        var user = "guest", password = "guest"
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                user = try Self.decoded(credentials[..<colon], in: text)
                password = try Self.decoded(credentials[credentials.index(after: colon)...], in: text)
            } else {
                user = try Self.decoded(credentials, in: text)
            }
        }
        var port = 5672
        var host = rest
        if let colon = rest.lastIndex(of: ":") {
            guard let parsed = Int(rest[rest.index(after: colon)...]), (1...65535).contains(parsed) else {
                throw StreamError("broker URL '\(text)': port '\(rest[rest.index(after: colon)...])' is not in 1...65535")
            }
            port = parsed
            host = rest[..<colon]
        }
        guard !host.isEmpty else { throw StreamError("broker URL '\(text)' has no host") }
        self.host = String(host)
        self.port = port
        self.user = user
        self.password = password
        self.virtualHost = path.isEmpty ? "/" : try Self.decoded(Substring(path), in: text)
    }

    /// The URL without the password, for logs.
    public var description: String {
        let vhost = virtualHost == "/" ? "" : virtualHost
        return "amqp://\(user)@\(host):\(port)/\(vhost)"
    }

    private static func decoded(_ text: Substring, in url: String) throws(StreamError) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let b = iterator.next() {
            guard b == UInt8(ascii: "%") else { bytes.append(b); continue }
            guard let high = iterator.next(), let low = iterator.next(),
                  let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) else {
                throw StreamError("broker URL '\(url)': a '%' must be followed by two hex digits")
            }
            bytes.append(value)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
