import Transport

/// A member's address, `host:port` as people write it: `127.0.0.1:8500`,
/// `members.local:8500`, `[::1]:8500` (IPv6 in brackets).
public typealias Endpoint = ServerAddress
