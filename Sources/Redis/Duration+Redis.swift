#if canImport(Glibc)
import Glibc
#endif

extension Duration {
    /// As a `timeval`, for hiredis's connect and socket timeouts.
    var timeval: timeval {
        let (seconds, attoseconds) = components
        return Glibc.timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }

}
