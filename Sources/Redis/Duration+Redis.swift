#if canImport(Glibc)
import Glibc
#endif

extension Duration {
    /// As a `timeval`, for hiredis's connect and socket timeouts.
    var timeval: timeval {
        let (seconds, attoseconds) = components
        return Glibc.timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }

    /// Whole milliseconds, rounded down; for error messages.
    var redisMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
