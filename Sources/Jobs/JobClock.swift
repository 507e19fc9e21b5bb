#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock time for job timestamps (GetJob reports Unix microseconds).
enum JobClock {
    /// Microseconds since the Unix epoch.
    static func unixMicros() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1000
    }
}

extension Duration {
    /// As a `timeval`, for hiredis's connect and socket timeouts.
    var timeval: timeval {
        let (seconds, attoseconds) = components
        return Glibc.timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }
}

/// Facts about the machine, for defaults.
enum System {
    /// Online processors.
    static var coreCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}
