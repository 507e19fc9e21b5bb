/// What every call a REST request makes carries from its HTTP request:
/// deadline, cache wish and the caller's credentials.
struct CallContext: Sendable {
    /// From `Request-Timeout-Ms`; 0 = none.
    var timeoutMs: UInt32 = 0
    /// `Cache-Control: no-cache`.
    var noCache = false
    /// From `Authorization: Bearer …`.
    var authToken: String?
    /// The connection's remote host (failure counts, per-host rate limits).
    var peer = ""
}

extension HTTPRequest {
    var context: CallContext {
        CallContext(timeoutMs: timeoutMs, noCache: noCache, authToken: authToken, peer: peer)
    }
}
