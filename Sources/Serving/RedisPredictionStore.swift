import Logging
import ModelServer
import Redis
import Primitives

/// The prediction cache's shared level in Redis (`serve --cache-redis`):
/// GET and SET with an expiry (`--cache-redis-ttl-seconds`; never without
/// one), keyed `swerve:cache:` + the prediction key's bytes (binary-safe,
/// so the whole key is compared by Redis itself).
///
/// Calls run on the caller's thread with short socket timeouts. When Redis
/// is down or slow, a call answers nil (uncached), the store stops asking
/// for `retryDelay` so calls do not each wait for a timeout, and a warning
/// is logged at most once per `warningInterval`.
///
/// Thread-safety: idle connections wait in a lock-protected list; each call
/// takes one (or opens one) and gives it back, so threads never share one.
/// `@unchecked Sendable`: `RedisConnection` is a class used by one thread at
/// a time, which the list guarantees.
final class RedisPredictionStore: SharedPredictionStore, @unchecked Sendable {
    private struct State {
        var idle: [RedisConnection] = []
        var retryAfter: ContinuousClock.Instant?
        var lastWarning: ContinuousClock.Instant?
        var suppressedWarnings = 0
    }

    let address: RedisAddress
    let ttlSeconds: Int
    private let logger: Logger
    private let state = Locked(State())
    private let connectTimeout: Duration = .milliseconds(100)
    private let commandTimeout: Duration = .milliseconds(50)
    private let retryDelay: Duration = .seconds(1)
    private let warningInterval: Duration = .seconds(30)
    private static let prefix = Array("swerve:cache:".utf8)

    init(address: RedisAddress, ttlSeconds: Int, logger: Logger) {
        self.address = address
        self.ttlSeconds = max(1, ttlSeconds)
        self.logger = logger
    }

    func get(_ key: [UInt8]) -> [UInt8]? {
        guard let reply = run(["GET", .bytes(Self.prefix + key)]) else { return nil }
        if case .string(let bytes) = reply { return bytes }
        return nil
    }

    func set(_ key: [UInt8], _ value: [UInt8]) {
        _ = run(["SET", .bytes(Self.prefix + key), .bytes(value), "EX", .integer(ttlSeconds)])
    }

    /// One command on an idle connection; nil when Redis is unreachable,
    /// slow, or answered with an error.
    private func run(_ command: [RedisArgument]) -> RedisReply? {
        let now = ContinuousClock.now
        let connection: RedisConnection? = state.withLock { s in
            if let retryAfter = s.retryAfter, now < retryAfter { return nil }
            return s.idle.popLast() ?? RedisConnection(address: address, connectTimeout: connectTimeout,
                                                        commandTimeout: commandTimeout)
        }
        guard let connection else { return nil }
        do {
            let reply = try connection.command(command)
            state.withLock { s in
                s.idle.append(connection)
                s.retryAfter = nil
            }
            if let message = reply.errorMessage {
                warn("Redis at \(address) refused a cache command: \(message)")
                return nil
            }
            return reply
        } catch {
            connection.close()
            state.withLock { $0.retryAfter = ContinuousClock.now + retryDelay }
            warn("prediction cache: Redis at \(address) unavailable (\(error)); answering uncached, retrying in \(retryDelay)")
            return nil
        }
    }

    private func warn(_ message: String) {
        let now = ContinuousClock.now
        let suppressed: Int? = state.withLock { s in
            if let last = s.lastWarning, now < last + warningInterval {
                s.suppressedWarnings += 1
                return nil
            }
            s.lastWarning = now
            defer { s.suppressedWarnings = 0 }
            return s.suppressedWarnings
        }
        guard let suppressed else { return }
        let note = suppressed > 0 ? " (\(suppressed) similar warnings suppressed)" : ""
        logger.warning("\(message)\(note)",
                       metadata: ["redis": "\(address)"])
    }
}
