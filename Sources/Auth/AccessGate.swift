import Logging
import Wire

/// The door every call from outside passes before it runs: the token and
/// its scope (with `--auth-tokens`), then the rate limit (with
/// `--rate-limit`). Refusals are counted and logged by ``failures``.
/// In-process calls (job workers, local fan-out members) do not pass it:
/// they run on behalf of a call that already did.
///
/// Thread-safety: every method may be called from any thread.
public final class AccessGate: Sendable {
    /// The token table; nil = no tokens needed.
    public let policy: AuthPolicy?
    /// The per-caller rate; nil = unlimited.
    public let limiter: RateLimiter?
    public let failures: AuthFailures

    public init(policy: AuthPolicy?, limiter: RateLimiter?, logger: Logger) {
        self.policy = policy
        self.limiter = limiter
        self.failures = AuthFailures(logger: logger)
    }

    /// nil when `request` may run; else the error to answer it with
    /// (UNAUTHENTICATED, PERMISSION_DENIED or RESOURCE_EXHAUSTED).
    /// - Parameter peer: the remote host, for failure counts and, without
    ///   tokens, the rate limit; evaluated only when needed.
    public func admit(_ request: Request, peer: @autoclosure () -> String) -> WireError? {
        guard let scope = AuthScope.required(for: request.call) else { return nil }
        return admit(token: request.authToken, scope: scope, call: request.call.name, peer: peer())
    }

    /// nil when a caller presenting `token` may use `scope`; `call` names it
    /// in the log. `rateLimited: false` checks the token only (a lookup made
    /// on behalf of a call that pays the rate limit itself).
    public func admit(token: String?, scope: AuthScope, call: String, peer: @autoclosure () -> String,
                      rateLimited: Bool = true) -> WireError? {
        var digest: TokenDigest?
        if let policy {
            let presented = token.flatMap { $0.isEmpty ? nil : TokenDigest($0) }
            switch policy.check(digest: presented, scope: scope) {
            case .ok:
                digest = presented
            case .unauthenticated:
                failures.record(.unauthenticated, peer: peer(), call: call)
                return WireError(.unauthenticated, "\(call) needs a bearer token with scope '\(scope.rawValue)'; "
                    + (token == nil ? "none was sent" : "the one sent is not known"))
            case .permissionDenied:
                failures.record(.permissionDenied, peer: peer(), call: call)
                return WireError(.permissionDenied, "\(call) needs scope '\(scope.rawValue)', which the token sent does not have")
            }
        }
        if let limiter, rateLimited {
            let key: RateLimiter.Key = digest.map { .token($0) } ?? .peer(peer())
            if !limiter.admit(key) {
                failures.record(.rateLimited, peer: peer(), call: call)
                return WireError(.resourceExhausted, "rate limit of \(limiter.ratePerSecond) calls a second exceeded; "
                    + "retry after \(limiter.retryAfterSeconds) s")
            }
        }
        return nil
    }
}
