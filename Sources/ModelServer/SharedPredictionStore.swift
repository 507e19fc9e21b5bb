/// A second cache level shared by several servers (Redis in `swerve serve
/// --cache-redis`), asked after the in-process level misses.
///
/// Calls run on the caller's thread (a loop thread), so an implementation
/// must bound each one with a short timeout and never throw: when the store
/// is down or slow, `get` answers nil and `set` does nothing, and calls are
/// answered uncached.
public protocol SharedPredictionStore: Sendable {
    /// The value stored under `key`, or nil (absent, expired, or store unreachable).
    func get(_ key: [UInt8]) -> [UInt8]?
    /// Stores `value` under `key` (with the store's own expiry).
    func set(_ key: [UInt8], _ value: [UInt8])
}
