import Primitives
import Logging
import Wire
import Redis

/// A few threads, each with its own Redis connection, that run the front
/// server's Submit and GetJob commands so that no event-loop thread ever
/// waits on Redis.
///
/// Each thread takes every queued command (up to `maxBatch`) and sends them
/// in one pipelined write, so a burst of submits costs one round trip per
/// batch rather than one per job.
///
/// Bounded answers: a command that waited longer than its bound (the
/// caller's deadline, else connect + command timeout) is failed UNAVAILABLE
/// by a reaper thread even while every connection thread is stuck on a hung
/// Redis; connection threads are bounded by hiredis's socket timeouts. After
/// a connection failure, a thread fails new commands at once for a short
/// back-off instead of making each wait for a connect that will fail too.
///
/// Thread-safety: `enqueue` may be called from any thread; completions run
/// on the pool's threads, exactly once each.
final class RedisCommandPool: @unchecked Sendable {
    struct Command {
        var script: RedisScript?
        /// For a script: KEYS then ARGV after EVALSHA's header; otherwise the whole command.
        var keys: [RedisArgument]
        var arguments: [RedisArgument]
        var bound: ContinuousClock.Instant
        var completion: @Sendable (Result<RedisReply, WireError>) -> Void
    }

    let address: RedisAddress
    private let connectTimeout: Duration
    private let commandTimeout: Duration
    private let maxQueued: Int
    private let maxBatch = 128
    private let logger: Logger
    private let lock = Locked()
    // Guarded by `lock`.
    private var queue: [Command] = []
    private var stopped = false
    private var threads: [PThread] = []
    private var lastFailure: String?
    private var retryAfter: ContinuousClock.Instant = .now
    private var reportedOutage = false

    init(address: RedisAddress, connections: Int, connectTimeout: Duration, commandTimeout: Duration,
         maxQueued: Int = 100_000, logger: Logger) {
        self.address = address
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.maxQueued = maxQueued
        self.logger = logger
        lock.withLock {
            for i in 0..<max(1, connections) {
                threads.append(PThread(name: "swerve-redis-\(i)") { [self] in serve() })
            }
            threads.append(PThread(name: "swerve-redis-rp") { [self] in reap() })
        }
    }

    /// The longest a command waits for its answer when the caller set no deadline.
    var defaultBound: Duration { connectTimeout + commandTimeout }

    /// Queues a command; `completion` gets its reply, or UNAVAILABLE naming
    /// the address when Redis cannot be reached within the bound.
    func enqueue(script: RedisScript?, keys: [RedisArgument], arguments: [RedisArgument],
                 deadline: ContinuousClock.Instant?,
                 completion: @escaping @Sendable (Result<RedisReply, WireError>) -> Void) {
        let ownBound = ContinuousClock.now.advanced(by: defaultBound)
        let bound = deadline.map { min($0, ownBound) } ?? ownBound
        let rejected: WireError? = lock.withLock {
            if stopped { return WireError(.unavailable, "the job queue at \(address) is shut down") }
            if queue.count >= maxQueued {
                return WireError(.unavailable, "\(queue.count) job calls already wait for Redis at \(address); retry later")
            }
            queue.append(Command(script: script, keys: keys, arguments: arguments, bound: bound, completion: completion))
            lock.broadcast()
            return nil
        }
        if let rejected { completion(.failure(rejected)) }
    }

    /// Stops the threads; queued commands fail UNAVAILABLE.
    func shutdown() {
        let (left, toJoin) = lock.withLock {
            stopped = true
            let left = queue
            queue.removeAll()
            lock.broadcast()
            let t = threads
            threads = []
            return (left, t)
        }
        for command in left { command.completion(.failure(WireError(.unavailable, "the job queue at \(address) is shut down"))) }
        for thread in toJoin { thread.join() }
    }

    // MARK: Threads

    private func serve() {
        let connection = RedisConnection(address: address, connectTimeout: connectTimeout, commandTimeout: commandTimeout)
        while true {
            let (batch, failFast): ([Command], String?) = lock.withLock {
                while queue.isEmpty && !stopped { lock.wait(until: nil) }
                if stopped { return ([], nil) }
                let n = min(queue.count, maxBatch)
                let batch = Array(queue.prefix(n))
                queue.removeFirst(n)
                if let lastFailure, ContinuousClock.now < retryAfter { return (batch, lastFailure) }
                return (batch, nil)
            }
            if batch.isEmpty { connection.close(); return }
            if let failFast {
                fail(batch, failFast)
                continue
            }
            run(batch, on: connection)
        }
    }

    private func run(_ batch: [Command], on connection: RedisConnection) {
        let now = ContinuousClock.now
        var live: [Command] = []
        live.reserveCapacity(batch.count)
        for command in batch {
            if command.bound <= now {
                command.completion(.failure(timedOut()))
            } else {
                live.append(command)
            }
        }
        if live.isEmpty { return }
        // A connection that sat idle may have been closed by a Redis that
        // restarted meanwhile; the first use finds out. Try once more on a
        // fresh connection before calling Redis unavailable (safe: GetJob
        // only reads, and the submit script does nothing for a job id that
        // already exists).
        if connection.isConnected, attempt(live, on: connection) { return }
        _ = attempt(live, on: connection, last: true)
    }

    /// Sends `live` in one pipeline and completes each command; returns false
    /// (completing nothing) on a connection failure unless `last`.
    private func attempt(_ live: [Command], on connection: RedisConnection, last: Bool = false) -> Bool {
        do {
            var commands: [[RedisArgument]] = []
            commands.reserveCapacity(live.count)
            for command in live {
                if let script = command.script {
                    commands.append(try connection.evaluateCommand(script, keys: command.keys, arguments: command.arguments))
                } else {
                    commands.append(command.keys + command.arguments)
                }
            }
            var replies = try connection.pipeline(commands)
            for (i, command) in live.enumerated() {
                if let script = command.script, let message = replies[i].errorMessage, message.hasPrefix("NOSCRIPT") {
                    connection.forget(script)
                    replies[i] = try connection.evaluate(script, keys: command.keys, arguments: command.arguments)
                }
            }
            recovered()
            // Only now that every reply is in: a failure above completes nothing twice.
            for (command, reply) in zip(live, replies) { command.completion(.success(reply)) }
        } catch {
            if !last, case RedisError.connection = error { return false }  // not for .timedOut: a hung Redis stays hung
            let message = "\(error)"
            lock.withLock {
                lastFailure = message
                // Short: long enough to spare a dead Redis a connect per call,
                // short enough that a restarted one is used again at once.
                retryAfter = ContinuousClock.now.advanced(by: .milliseconds(200))
                if !reportedOutage {
                    reportedOutage = true
                    logger.warning("job queue: Redis unavailable: \(message)")
                }
            }
            // Commands whose reply never came fail; the caller may retry.
            fail(live, message)
        }
        return true
    }

    private func recovered() {
        lock.withLock {
            if reportedOutage {
                reportedOutage = false
                logger.notice("job queue: Redis at \(address) reachable again")
            }
            lastFailure = nil
        }
    }

    private func fail(_ batch: [Command], _ reason: String) {
        for command in batch {
            command.completion(.failure(WireError(.unavailable, "job queue unavailable: \(reason)")))
        }
    }

    private func timedOut() -> WireError {
        WireError(.unavailable, "job queue unavailable: Redis at \(address) did not answer within "
            + "\(Int64(defaultBound.milliseconds)) ms (or before the call's deadline)")
    }

    /// Fails commands that waited past their bound while every connection
    /// thread is busy (e.g. stuck on a hung Redis until its socket timeout).
    private func reap() {
        while true {
            let expired: [Command]? = lock.withLock {
                // Every enqueue wakes this thread too; scan at most every
                // 50 ms so a burst of submits costs no repeated scans.
                let next = ContinuousClock.now.advanced(by: .milliseconds(50))
                while !stopped && ContinuousClock.now < next { lock.wait(until: next) }
                if stopped { return nil }
                let now = ContinuousClock.now
                guard queue.contains(where: { $0.bound <= now }) else { return [] }
                let expired = queue.filter { $0.bound <= now }
                queue.removeAll { $0.bound <= now }
                return expired
            }
            guard let expired else { return }
            for command in expired { command.completion(.failure(timedOut())) }
        }
    }
}
