import Logging
import Primitives

/// Refused calls counted per remote host (for `/metrics`) and logged at a
/// limited rate: at most one line a second, summing what it held back. No
/// line ever shows a token.
///
/// Thread-safety: every method may be called from any thread.
public final class AuthFailures: Sendable {
    /// Why a call was refused: the metric's `reason` label.
    public enum Reason: String, Sendable, CaseIterable {
        case unauthenticated, permissionDenied = "permission_denied", rateLimited = "rate_limited"
    }

    /// Distinct hosts kept; beyond it failures count under `other` (a
    /// scanner changing source addresses must not grow the page without bound).
    public static let maxPeers = 1000

    private let logger: Logger
    private let state = Locked(State())

    private struct State {
        var counts: [String: [Int]] = [:]
        var lastLog: ContinuousClock.Instant?
        var heldBack = 0
    }

    public init(logger: Logger) {
        self.logger = logger
    }

    /// Counts one refusal of `call` from `peer` and logs it unless a line went out within the last second.
    public func record(_ reason: Reason, peer: String, call: String) {
        let now = ContinuousClock.now
        let index = Reason.allCases.firstIndex(of: reason)!
        let (log, heldBack) = state.withLock { s -> (Bool, Int) in
            let key = s.counts[peer] != nil || s.counts.count < Self.maxPeers ? peer : "other"
            s.counts[key, default: Array(repeating: 0, count: Reason.allCases.count)][index] += 1
            if let last = s.lastLog, last.duration(to: now) < .seconds(1) {
                s.heldBack += 1
                return (false, 0)
            }
            s.lastLog = now
            defer { s.heldBack = 0 }
            return (true, s.heldBack)
        }
        guard log else { return }
        let more = heldBack > 0 ? " (\(heldBack) more refused in the last second, not logged)" : ""
        logger.warning("refused call=\(call) peer=\(peer.isEmpty ? "local" : peer) reason=\(reason.rawValue)\(more)")
    }

    /// Refusals from `peer` for `reason` so far.
    public func count(_ reason: Reason, peer: String) -> Int {
        let index = Reason.allCases.firstIndex(of: reason)!
        return state.withLock { $0.counts[peer]?[index] ?? 0 }
    }

    /// The Prometheus text of the counters.
    public func prometheusText() -> String {
        let counts = state.withLock { $0.counts }
        var text = "# HELP swerve_auth_refused_total Calls refused for a missing or unknown token, a missing scope or the rate limit, per remote host.\n"
        text += "# TYPE swerve_auth_refused_total counter\n"
        for (peer, values) in counts.sorted(by: { $0.key < $1.key }) {
            for (i, reason) in Reason.allCases.enumerated() where values[i] > 0 {
                text += "swerve_auth_refused_total{peer=\"\(peer.isEmpty ? "local" : peer)\",reason=\"\(reason.rawValue)\"} \(values[i])\n"
            }
        }
        return text
    }
}
