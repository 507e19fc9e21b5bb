/// The token of an HTTP `Authorization: Bearer <token>` header (RFC 6750;
/// the scheme is case-insensitive).
public enum BearerToken {
    /// The token in a header value; "" for another scheme (Basic, …), which
    /// no token table holds, so the call is refused as unauthenticated.
    public static func parse<S: StringProtocol>(_ value: S) -> String {
        let text = value.drop(while: { $0 == " " || $0 == "\t" })
        guard text.count > 7, text.prefix(7).lowercased() == "bearer " else { return "" }
        return String(text.dropFirst(7).trimmingCharacters(" \t\r"))
    }

    /// The token of the `Authorization` header in a raw request head
    /// (request line and header lines); nil when there is none.
    public static func fromRequestHead(_ head: [UInt8]) -> String? {
        let text = String(decoding: head, as: UTF8.self)
        // "\r\n" is one Character in Swift: split on it as well as on a bare "\n".
        for line in text.split(whereSeparator: { $0 == "\r\n" || $0 == "\n" }).dropFirst() {
            guard let colon = line.firstIndex(of: ":"), line[..<colon].lowercased() == "authorization" else { continue }
            return parse(line[line.index(after: colon)...])
        }
        return nil
    }
}

extension StringProtocol {
    fileprivate func trimmingCharacters(_ set: String) -> Substring {
        var s = self[...]
        while let c = s.first, set.contains(c) { s = s.dropFirst() }
        while let c = s.last, set.contains(c) { s = s.dropLast() }
        return Substring(s)
    }
}
