import Primitives
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Set once when the service should stop (SIGTERM/SIGINT): loops check it
/// between messages, finish what they hold, ack and close.
public final class StopSignal: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    public var isSet: Bool { flag.load(ordering: .acquiring) }

    public func set() { flag.store(true, ordering: .releasing) }

    /// Waits up to `duration`, returning early once stopped.
    public func wait(_ duration: Duration) {
        let deadline = ContinuousClock.now.advanced(by: duration)
        while !isSet && ContinuousClock.now < deadline {
            usleep(20_000)  // the pace of a poll with a deadline
        }
    }

    /// Blocks SIGTERM and SIGINT in every thread started after this call and
    /// sets the signal from a thread that waits for them.
    public func installSignalHandling() {
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGTERM)
        sigaddset(&signals, SIGINT)
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        // Detached: the watcher lives as long as the process.
        PThread.detached(name: "swerve-stop-signal") { [self] in
            var signals = sigset_t()
            sigemptyset(&signals)
            sigaddset(&signals, SIGTERM)
            sigaddset(&signals, SIGINT)
            var received: Int32 = 0
            while sigwait(&signals, &received) != 0 {}
            set()
        }
    }
}
