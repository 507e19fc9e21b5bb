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

/// Facts about the machine, for defaults.
enum System {
    /// Online processors.
    static var coreCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}
