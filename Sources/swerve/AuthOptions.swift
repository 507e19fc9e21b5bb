import ArgumentParser
import Auth
import Logging
import Primitives
#if canImport(Glibc)
import Glibc
#endif

/// `--auth-tokens`: for `serve` and `rest` (inside ``AuthOptions``) and for
/// the metrics ports of `worker` and the stream services.
struct TokenFileOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Token file: one '<token> <scope>[,<scope>…]' per line (scopes predict, jobs, admin, metrics, *); calls need a token.",
        discussion: "The file must not be world-readable. SIGHUP re-reads it without dropping connections."))
    var authTokens: String? = EnvironmentDefaults.optional("AUTH_TOKENS")

    func validate() throws {
        if let authTokens, authTokens.isEmpty { throw ValidationError("--auth-tokens needs a file path") }
    }

    /// The token table, reloaded on SIGHUP from now on; nil without
    /// `--auth-tokens`. Call before any thread starts (see ``TokenReloadSignal``).
    func policy(logger: Logger) throws -> AuthPolicy? {
        guard let authTokens else { return nil }
        let policy: AuthPolicy
        do {
            policy = try AuthPolicy(path: authTokens)
        } catch {
            throw ValidationError(error.description)
        }
        TokenReloadSignal.block()
        TokenReloadSignal.start(policy, logger: logger)
        return policy
    }

    /// A gate checking tokens only (a metrics port); nil without `--auth-tokens`.
    func metricsGate(logger: Logger) throws -> AccessGate? {
        try policy(logger: logger).map { AccessGate(policy: $0, limiter: nil, logger: logger) }
    }
}

/// `--auth-tokens`, `--metrics-public`, `--rate-limit` and
/// `--max-connections-per-address` for the commands that serve calls
/// (`serve`, `rest`).
struct AuthOptions: ParsableArguments {
    @OptionGroup var tokens: TokenFileOptions

    @Flag(help: "Serve /metrics without a token even with --auth-tokens.")
    var metricsPublic = EnvironmentDefaults.value("METRICS_PUBLIC", false)

    @Option(help: "Calls a second each token (or, without tokens, each remote host) may make; more get RESOURCE_EXHAUSTED / 429. 0: unlimited.")
    var rateLimit: Int = EnvironmentDefaults.value("RATE_LIMIT", 0)

    @Option(help: "Open connections allowed from one remote host on each port; more are refused. 0: no per-host cap.")
    var maxConnectionsPerAddress: Int = EnvironmentDefaults.value("MAX_CONNECTIONS_PER_ADDRESS", 0)

    /// `--max-connections-per-address` as the listeners take it.
    var connectionsPerAddress: Int? { maxConnectionsPerAddress > 0 ? maxConnectionsPerAddress : nil }

    func validate() throws {
        guard maxConnectionsPerAddress >= 0 else { throw ValidationError("--max-connections-per-address must not be negative (0 = no cap)") }
        guard rateLimit >= 0 else { throw ValidationError("--rate-limit must not be negative (0 = unlimited)") }
    }

    /// The gate for the listeners, or nil when neither tokens nor a rate
    /// limit are asked for. Throws a message for an unusable token file.
    /// Warns when `host` is reachable from other machines and no token is
    /// needed. Call before any thread starts: it sets up the SIGHUP reload.
    func makeGate(host: String, logger: Logger) throws -> AccessGate? {
        if tokens.authTokens == nil && !Self.isLoopback(host) {
            logger.warning("listening on \(host) without --auth-tokens: anyone who reaches the port can predict, submit jobs and control the repository")
        }
        let policy = try tokens.policy(logger: logger)
        guard policy != nil || rateLimit > 0 else { return nil }
        return AccessGate(policy: policy, limiter: rateLimit > 0 ? RateLimiter(ratePerSecond: rateLimit) : nil, logger: logger)
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }
}

/// SIGHUP re-reads the token file: a thread of its own waits for the
/// signal (blocked in every other thread), so no loop is involved and no
/// connection notices.
enum TokenReloadSignal {
    /// Blocks SIGHUP in the calling thread and every thread it starts later;
    /// call before the server starts its loops.
    static func block() {
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGHUP)
        pthread_sigmask(SIG_BLOCK, &signals, nil)
    }

    /// Starts the thread that reloads `policy` on each SIGHUP. A file that
    /// no longer parses keeps the old table and logs why.
    static func start(_ policy: AuthPolicy, logger: Logger) {
        PThread.detached(name: "swerve-sighup") {
            var signals = sigset_t()
            sigemptyset(&signals)
            sigaddset(&signals, SIGHUP)
            while true {
                var received: Int32 = 0
                guard sigwait(&signals, &received) == 0 else { continue }
                do {
                    let count = try policy.reload()
                    logger.notice("auth tokens reloaded from \(policy.path ?? "?"): \(count) tokens")
                } catch {
                    logger.error("auth tokens not reloaded, the previous ones stay in force: \(error)")
                }
            }
        }
    }
}
