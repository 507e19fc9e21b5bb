/// How long a pooled connection waits before connecting again after a
/// failure: exponential from `initial` to `maximum`, with ±20% jitter so a
/// restarted member is not hit by every aggregator connection at the same instant.
public struct ReconnectBackoff: Sendable, Equatable {
    public var initial: Duration
    public var maximum: Duration
    public var multiplier: Double

    public init(initial: Duration = .milliseconds(50), maximum: Duration = .seconds(2), multiplier: Double = 2) {
        precondition(initial > .zero && maximum >= initial && multiplier >= 1, "backoff needs 0 < initial <= maximum, multiplier >= 1")
        self.initial = initial
        self.maximum = maximum
        self.multiplier = multiplier
    }

    /// The wait before attempt number `failures + 1` (after `failures`
    /// consecutive failures, `failures >= 1`), without jitter.
    public func baseDelay(afterFailures failures: Int) -> Duration {
        var delay = initial
        var n = 1
        while n < failures && delay < maximum {
            delay = delay * multiplier
            n += 1
        }
        return min(delay, maximum)
    }

    /// `baseDelay` with ±20% jitter.
    public func delay(afterFailures failures: Int) -> Duration {
        baseDelay(afterFailures: failures) * Double.random(in: 0.8...1.2)
    }
}
