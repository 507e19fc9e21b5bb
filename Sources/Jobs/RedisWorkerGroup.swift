import Primitives
import Logging
import Wire
#if canImport(Glibc)
import Glibc
import Redis
#endif

/// Worker threads that take jobs from the Redis stream's consumer group and
/// run them. Each thread has its own connection and consumer name and holds
/// at most one job at a time, so a stop finishes at most one job per thread.
///
/// Per job: XREADGROUP (or XAUTOCLAIM for a job whose worker went quiet for
/// the visibility timeout) → the `start` script (marks it processing, counts
/// the attempt, or fails it for good after max attempts) → the model → the
/// `finish` script (stores the result once, then acks). A worker that dies
/// between the two leaves the entry pending, and another worker reclaims it.
///
/// Redis outages: every call is bounded by socket timeouts; on a
/// connection error the thread backs off (up to 1 s) and tries again, for
/// as long as it runs. A finished result that cannot be stored is retried
/// until it is stored or the worker stops (then the job is rerun elsewhere).
final class RedisWorkerGroup: @unchecked Sendable {
    private let queue: RedisJobQueue
    private let runner: JobRunner
    private let logger: Logger
    private let lock = Locked()
    private var threads: [PThread] = []
    // Guarded by `lock`.
    private var stopping = false
    private var inHand = 0
    private var alive = 0
    private var finishedWhileDraining = 0
    private var counters = JobCounters()
    /// How long one XREADGROUP waits for a job before looking again (and
    /// checking for a stop).
    private let blockTime: Duration = .milliseconds(500)

    init(queue: RedisJobQueue, count: Int, runner: @escaping JobRunner, logger: Logger) {
        self.queue = queue
        self.runner = runner
        self.logger = logger
        let base = Self.consumerBase()
        lock.withLock {
            alive = count
            for i in 0..<count {
                let consumer = "\(base)-\(i)"
                threads.append(PThread(name: "swerve-worker-\(i)") { [self] in run(consumer: consumer) })
            }
        }
    }

    func statistics() -> JobStatistics {
        lock.withLock { JobStatistics(queued: 0, running: inHand, retained: 0, counters: counters) }
    }

    /// Stops taking jobs; waits (at most `drain`) for the jobs in hand.
    func shutdown(drain: Duration) -> JobDrainReport {
        let deadline = ContinuousClock.now.advanced(by: drain)
        let report: JobDrainReport = lock.withLock {
            stopping = true
            lock.broadcast()
            while alive > 0 && ContinuousClock.now < deadline { lock.wait(until: deadline) }
            return JobDrainReport(finished: finishedWhileDraining, leftQueued: 0, leftRunning: inHand)
        }
        let t = lock.withLock { let t = threads; threads = []; return t }
        for thread in t {
            if report.leftRunning == 0 { thread.join() } else { thread.detach() }
        }
        return report
    }

    private var isStopping: Bool { lock.withLock { stopping } }

    /// host-pid-random: unique per process start, readable in XINFO CONSUMERS.
    private static func consumerBase() -> String {
        var name = [CChar](repeating: 0, count: 256)
        gethostname(&name, name.count - 1)
        let host = String(cString: name)
        return "\(host)-\(getpid())-\(JobID.make().prefix(6))"
    }

    // MARK: The loop

    private func run(consumer: String) {
        let options = queue.options
        let keys = queue.keys
        // Reads block up to `blockTime`, so the socket timeout must be longer.
        let connection = RedisConnection(address: queue.address, connectTimeout: options.connectTimeout,
                                         commandTimeout: options.commandTimeout + blockTime)
        var needGroup = true
        var nextReclaim = ContinuousClock.now
        // XAUTOCLAIM looks at no more than 10 × COUNT pending entries per
        // call, so the scan must go on from where the last call stopped, or
        // orphans behind ten live entries would never be found.
        var reclaimCursor = "0-0"
        var backoff: Duration = .milliseconds(50)
        var outage = false
        let reclaimEvery = min(max(options.visibilityTimeout / 4, .milliseconds(100)), .seconds(2))
        defer {
            forget(consumer, connection)
            connection.close()
            lock.withLock { alive -= 1; lock.broadcast() }
        }
        // An entry read together with the previous job's finish (see `process`).
        var carried: (id: String, job: String)? = nil
        // A carried entry is already delivered to this consumer: run it even
        // when a stop came meanwhile, rather than leave it for a reclaim.
        while !isStopping || carried != nil {
            do {
                if needGroup {
                    let reply = try connection.command(["XGROUP", "CREATE", .text(keys.stream), .text(keys.group), "0", "MKSTREAM"])
                    if let message = reply.errorMessage, !message.hasPrefix("BUSYGROUP") {
                        throw RedisError.reply("XGROUP CREATE: \(message)")
                    }
                    needGroup = false
                }
                var entry: (id: String, job: String)? = carried
                carried = nil
                var reclaimed = false
                if entry == nil && ContinuousClock.now >= nextReclaim {
                    let (found, cursor) = try reclaim(connection, consumer: consumer, from: reclaimCursor)
                    entry = found
                    reclaimCursor = cursor
                    if found != nil {
                        reclaimed = true
                    } else if cursor == "0-0" {
                        // A whole pass over the pending entries found nothing.
                        nextReclaim = ContinuousClock.now.advanced(by: reclaimEvery)
                    }
                }
                if entry == nil {
                    entry = try read(connection, consumer: consumer)
                }
                if outage {
                    outage = false
                    logger.notice("job worker \(consumer): Redis at \(queue.address) reachable again")
                }
                backoff = .milliseconds(50)
                guard let entry else { continue }
                if reclaimed { lock.withLock { counters.reclaimed += 1 } }
                // Under load, read the next entry in the same round trip as
                // this job's finish, unless a reclaim check is due first.
                let readAhead = ContinuousClock.now < nextReclaim
                carried = try process(entry, connection, consumer: consumer, readAhead: readAhead)
            } catch let error as RedisError {
                if case .reply(let message) = error, message.contains("NOGROUP") {
                    needGroup = true  // Redis lost the group (restarted without persistence)
                    continue
                }
                if !outage {
                    outage = true
                    logger.warning("job worker \(consumer): \(error); retrying")
                }
                needGroup = true
                pause(backoff)
                backoff = min(backoff * 2, .seconds(1))
            } catch {
                logger.error("job worker \(consumer): \(error)")
                pause(backoff)
            }
        }
    }

    /// On a clean stop, removes this thread's consumer from the group so
    /// names do not pile up across restarts, but only when it holds no
    /// pending entry (deleting a consumer drops its pending entries, which
    /// would lose those jobs).
    private func forget(_ consumer: String, _ connection: RedisConnection) {
        let keys = queue.keys
        guard let pending = try? connection.command(["XPENDING", .text(keys.stream), .text(keys.group), "-", "+", "1", .text(consumer)]),
              let entries = pending.array, entries.isEmpty else { return }
        _ = try? connection.command(["XGROUP", "DELCONSUMER", .text(keys.stream), .text(keys.group), .text(consumer)])
    }

    /// Sleeps up to `duration`, waking early on a stop.
    private func pause(_ duration: Duration) {
        let until = ContinuousClock.now.advanced(by: duration)
        lock.withLock {
            while !stopping && ContinuousClock.now < until { lock.wait(until: until) }
        }
    }

    private func read(_ connection: RedisConnection, consumer: String) throws -> (id: String, job: String)? {
        let keys = queue.keys
        let reply = try connection.command(["XREADGROUP", "GROUP", .text(keys.group), .text(consumer), "COUNT", "1",
                                            "BLOCK", .integer(Int64(blockTime.milliseconds)), "STREAMS", .text(keys.stream), ">"])
        if let message = reply.errorMessage { throw RedisError.reply("XREADGROUP: \(message)") }
        // [[stream, [[id, [field, value, ...]]]]] or nil when nothing came.
        guard let streams = reply.array, let first = streams.first?.array, first.count == 2,
              let entries = first[1].array, let entry = entries.first else { return nil }
        return Self.parseEntry(entry)
    }

    /// Takes over one entry pending longer than the visibility timeout,
    /// scanning from `cursor`; returns it (if any) and where to go on.
    private func reclaim(_ connection: RedisConnection, consumer: String, from cursor: String) throws
        -> (entry: (id: String, job: String)?, cursor: String) {
        let keys = queue.keys
        let reply = try connection.command(["XAUTOCLAIM", .text(keys.stream), .text(keys.group), .text(consumer),
                                            .integer(max(1, Int64(queue.options.visibilityTimeout.milliseconds))),
                                            .text(cursor), "COUNT", "1"])
        if let message = reply.errorMessage { throw RedisError.reply("XAUTOCLAIM: \(message)") }
        // [next cursor, [[id, [field, value]]], [deleted ids]]
        guard let parts = reply.array, parts.count >= 2 else { return (nil, "0-0") }
        let next = parts[0].text ?? "0-0"
        guard let entries = parts[1].array, let entry = entries.first else { return (nil, next) }
        return (Self.parseEntry(entry), next)
    }

    static func parseEntry(_ entry: RedisReply) -> (id: String, job: String)? {
        guard let pair = entry.array, pair.count == 2, let id = pair[0].text else { return nil }
        var job = ""
        if let fields = pair[1].array {
            var i = 0
            while i + 1 < fields.count {
                if fields[i].text == "job", let value = fields[i + 1].text { job = value }
                i += 2
            }
        }
        return (id, job)
    }

    /// Runs one delivered entry. With `readAhead`, the finish script and a
    /// non-blocking XREADGROUP for the next entry go in one pipelined write
    /// (one round trip, and with `appendfsync always` one fsync, instead of
    /// two); returns that next entry, if any.
    private func process(_ entry: (id: String, job: String), _ connection: RedisConnection, consumer: String,
                         readAhead: Bool) throws -> (id: String, job: String)? {
        let options = queue.options
        let keys = queue.keys
        let ttl = RedisArgument.integer(max(1, Int64(options.resultTTL.milliseconds) / 1000))
        if entry.job.isEmpty {
            // Not an entry this code wrote; ack it so it does not come back.
            _ = try connection.command(["XACK", .text(keys.stream), .text(keys.group), .text(entry.id)])
            return nil
        }
        let start = try connection.evaluate(RedisJobScripts.start,
            keys: [.text(keys.stream), .text(keys.job(entry.job)), .text(keys.dead), .text(keys.stats)],
            arguments: [.text(keys.group), .text(entry.id), .integer(options.maxAttempts), .text(consumer), ttl, .text(entry.job)])
        if let message = start.errorMessage { throw RedisError.reply("start script: \(message)") }
        guard let parts = start.array, parts.count >= 2, parts[0].integer == 1, let requestBytes = parts[1].bytes else {
            if let parts = start.array, parts.count >= 2, parts[1].text == "dead" {
                logger.warning("job \(entry.job): out of attempts; FAILED and copied to \(keys.dead)")
                lock.withLock { counters.failed += 1 }
            }
            return nil
        }
        lock.withLock { inHand += 1 }
        let result = JobCodec.decodeRequest(requestBytes).flatMap { runner($0) }
        var retryable = false
        if case .failure(let error) = result, error.code == .unavailable {
            // The model is loading or reloading here: let another attempt (maybe elsewhere) run it.
            retryable = true
        }
        defer { lock.withLock { inHand -= 1; if stopping { finishedWhileDraining += 1 }; lock.broadcast() } }
        if retryable, case .failure(let error) = result {
            _ = try? connection.command(["HSET", .text(keys.job(entry.job)), "last_code", .integer(error.code.rawValue),
                                         "last_error", .text(error.message)])
            return nil
        }
        var arguments: [RedisArgument] = [.text(keys.group), .text(entry.id)]
        switch result {
        case .success(let response):
            arguments += ["3", .bytes(JobCodec.encode(response)), "0", ttl]
        case .failure(let error):
            arguments += ["4", .text(error.message), .integer(error.code.rawValue), ttl]
        }
        // The result is worth keeping: retry a failed store until it lands or
        // the worker is told to stop (then the entry stays pending and the
        // job runs again elsewhere).
        var backoff: Duration = .milliseconds(50)
        while true {
            do {
                let finishKeys: [RedisArgument] = [.text(keys.stream), .text(keys.job(entry.job)), .text(keys.stats)]
                var commands = [try connection.evaluateCommand(RedisJobScripts.finish, keys: finishKeys, arguments: arguments)]
                let ahead = readAhead && !isStopping
                if ahead {
                    commands.append(["XREADGROUP", "GROUP", .text(keys.group), .text(consumer), "COUNT", "1",
                                     "STREAMS", .text(keys.stream), ">"])
                }
                let replies = try connection.pipeline(commands)
                var stored = replies[0]
                if let message = stored.errorMessage, message.hasPrefix("NOSCRIPT") {
                    connection.forget(RedisJobScripts.finish)
                    stored = try connection.evaluate(RedisJobScripts.finish, keys: finishKeys, arguments: arguments)
                }
                var next: (id: String, job: String)? = nil
                if ahead, let streams = replies[1].array, let first = streams.first?.array, first.count == 2,
                   let entries = first[1].array, let entry = entries.first {
                    next = Self.parseEntry(entry)
                }
                if let message = stored.errorMessage {
                    // The finish failed; a read-ahead entry stays pending for a reclaim.
                    throw RedisError.reply("finish script: \(message)")
                }
                lock.withLock {
                    if stored.integer == 1 {
                        if case .success = result { counters.completed += 1 } else { counters.failed += 1 }
                    } else {
                        counters.duplicates += 1
                    }
                }
                return next
            } catch let error as RedisError {
                if isStopping { throw error }
                if case .reply = error { throw error }
                pause(backoff)
                backoff = min(backoff * 2, .seconds(1))
            }
        }
    }
}
