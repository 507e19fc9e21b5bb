import Primitives

/// A token bucket per key (a caller's token digest or remote host):
/// `ratePerSecond` calls a second on average, bursts up to `burst`.
/// Keys idle long enough to have a full bucket again are forgotten, so the
/// table stays the size of the set of recent callers.
///
/// Thread-safety: every method may be called from any thread.
public final class RateLimiter: Sendable {
    public let ratePerSecond: Int
    public let burst: Int
    private let clock = ContinuousClock()
    private let buckets = Locked(State())

    /// Whose bucket: a token's (by digest) or, for calls without one, a remote host's.
    public enum Key: Hashable, Sendable {
        case token(TokenDigest)
        case peer(String)
    }

    private struct State {
        var levels: [Key: (tokens: Double, at: ContinuousClock.Instant)] = [:]
        var lastSweep: ContinuousClock.Instant?
    }

    /// - Parameters:
    ///   - ratePerSecond: at least 1.
    ///   - burst: calls allowed at once after a quiet spell; default one second's worth.
    public init(ratePerSecond: Int, burst: Int? = nil) {
        precondition(ratePerSecond >= 1, "a rate limit is at least 1 call a second")
        self.ratePerSecond = ratePerSecond
        self.burst = max(1, burst ?? ratePerSecond)
    }

    /// Takes one call's token from `key`'s bucket: true when the call may
    /// run, false when the caller is over its rate.
    public func admit(_ key: Key) -> Bool {
        let now = clock.now
        let rate = Double(ratePerSecond), capacity = Double(burst)
        return buckets.withLock { state in
            sweep(&state, now: now)
            var level = state.levels[key] ?? (capacity, now)
            let elapsed = level.at.duration(to: now)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            level.tokens = min(capacity, level.tokens + seconds * rate)
            level.at = now
            let admitted = level.tokens >= 1
            if admitted { level.tokens -= 1 }
            state.levels[key] = level
            return admitted
        }
    }

    /// Whole seconds until a refused caller has a token again: the
    /// `Retry-After` value (the rate is at least 1/s, so never more than 1).
    public var retryAfterSeconds: Int { 1 }

    private func sweep(_ state: inout State, now: ContinuousClock.Instant) {
        // Once a second at most: drop buckets that have refilled completely.
        if let last = state.lastSweep, last.duration(to: now) < .seconds(1) { return }
        state.lastSweep = now
        let refill = Duration.seconds(Double(burst) / Double(ratePerSecond))
        state.levels = state.levels.filter { $0.value.at.duration(to: now) < refill }
    }
}
