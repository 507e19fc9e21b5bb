#if canImport(Glibc)
import Glibc
#endif

/// SIGTERM and SIGINT held pending instead of killing the process, so a
/// batch run can finish the chunk in hand and stop cleanly. Call `block()`
/// before any thread starts: threads inherit the mask, and only the checks
/// below ever consume the signals.
enum StopSignals {
    private static var set: sigset_t {
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGTERM)
        sigaddset(&signals, SIGINT)
        return signals
    }

    static func block() {
        var signals = set
        pthread_sigmask(SIG_BLOCK, &signals, nil)
    }

    /// True when a stop signal arrived, waiting for one at most `seconds`.
    static func received(waiting seconds: Double = 0) -> Bool {
        var signals = set
        let whole = Int(seconds)
        var timeout = timespec(tv_sec: whole, tv_nsec: Int((seconds - Double(whole)) * 1e9))
        while true {
            let got = sigtimedwait(&signals, nil, &timeout)
            if got > 0 { return true }
            // EINTR: another signal interrupted the wait; the timeout is
            // approximate anyway (a periodic job's pause), so just wait again.
            if errno != EINTR { return false }
        }
    }
}
