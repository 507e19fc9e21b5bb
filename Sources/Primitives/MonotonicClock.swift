#if canImport(Glibc)
import Glibc
#endif

/// Monotonic time in nanoseconds, for deadlines of blocking calls and
/// per-call timings (immune to wall-clock changes; plain integers, so a
/// difference costs no `Duration` arithmetic on a hot path).
public enum MonotonicClock {
    /// Nanoseconds since an arbitrary fixed point (CLOCK_MONOTONIC).
    public static func nanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// `duration` from now, in `nanoseconds()`; nil for nil.
    public static func deadline(after duration: Duration?) -> UInt64? {
        guard let duration else { return nil }
        let (s, atto) = duration.components
        return nanoseconds() + UInt64(max(0, s)) * 1_000_000_000 + UInt64(max(0, atto) / 1_000_000_000)
    }

    /// Milliseconds left until `deadline` for `poll()` (-1 = no deadline), rounded up.
    public static func pollTimeout(until deadline: UInt64?) -> Int32 {
        guard let deadline else { return -1 }
        let now = nanoseconds()
        if now >= deadline { return 0 }
        return Int32(clamping: (deadline - now + 999_999) / 1_000_000)
    }
}
