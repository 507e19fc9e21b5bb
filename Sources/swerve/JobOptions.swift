#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Jobs
import Redis

/// The job-queue options `swerve serve` and `swerve worker` share. Each
/// `--some-flag` may be preset with `SWERVE_SOME_FLAG` (e.g. SWERVE_QUEUE).
struct JobOptions: ParsableArguments {
    @Option(help: "Job queue for Submit/GetJob: memory, redis://host:port[/db], or off.")
    var queue: String = EnvironmentDefaults.value("QUEUE", "memory")

    @Option(name: .customLong("workers"), help: "In-process job workers (default: one per core with memory, 0 with Redis; `swerve worker`: one per core).")
    var workersFlag: Int?

    /// `--workers`, else SWERVE_WORKERS, else nil (the driver's default).
    var workers: Int? { workersFlag ?? EnvironmentDefaults.optional("WORKERS") }

    @Option(help: "Memory queue: jobs allowed to wait; more are refused with RESOURCE_EXHAUSTED.")
    var queueCapacity: Int = EnvironmentDefaults.value("QUEUE_CAPACITY", 10_000)

    @Option(help: "Seconds a finished job's result (and its idempotency key) is kept.")
    var resultTTL: Double = EnvironmentDefaults.value("RESULT_TTL", 3600)

    @Option(help: "Memory queue: finished results kept at most (oldest dropped first).")
    var maxResults: Int = EnvironmentDefaults.value("MAX_RESULTS", 100_000)

    @Option(help: "Redis: seconds before a job whose worker went quiet is given to another worker.")
    var visibilityTimeout: Double = EnvironmentDefaults.value("VISIBILITY_TIMEOUT", 30)

    @Option(help: "Redis: runs of one job before it is FAILED and copied to the dead-letter stream.")
    var maxAttempts: Int = EnvironmentDefaults.value("MAX_ATTEMPTS", 3)

    @Option(help: "Redis: seconds to wait for a connection or a reply before answering UNAVAILABLE.")
    var redisTimeout: Double = EnvironmentDefaults.value("REDIS_TIMEOUT", 2)

    @Option(help: "On SIGTERM, seconds workers may keep running jobs (memory: also queued ones) before exiting.")
    var drainSeconds: Double = EnvironmentDefaults.value("DRAIN_SECONDS", 10)

    func validate() throws {
        _ = try backend()
        if let workers, workers < 0 { throw ValidationError("--workers must not be negative") }
        guard queueCapacity >= 1 else { throw ValidationError("--queue-capacity must be at least 1") }
        guard resultTTL >= 1 else { throw ValidationError("--result-ttl must be at least 1 second") }
        guard maxResults >= 1 else { throw ValidationError("--max-results must be at least 1") }
        guard visibilityTimeout > 0 else { throw ValidationError("--visibility-timeout must be positive") }
        guard maxAttempts >= 1 else { throw ValidationError("--max-attempts must be at least 1") }
        guard redisTimeout > 0 else { throw ValidationError("--redis-timeout must be positive") }
        guard drainSeconds >= 0 else { throw ValidationError("--drain-seconds must not be negative") }
    }

    /// nil for `--queue off`.
    func backend() throws -> JobQueueOptions.Backend? {
        switch queue {
        case "off": return nil
        case "memory": return .memory
        default:
            do {
                return .redis(try RedisAddress(url: queue))
            } catch {
                throw ValidationError("--queue: \(error); use memory, redis://host:port[/db] or off")
            }
        }
    }

    /// The queue options, or nil when jobs are off.
    func queueOptions() throws -> JobQueueOptions? {
        guard let backend = try backend() else { return nil }
        var options = JobQueueOptions(backend: backend)
        options.workers = workers
        options.capacity = queueCapacity
        options.resultTTL = seconds(resultTTL)
        options.maxRetainedResults = maxResults
        options.visibilityTimeout = seconds(visibilityTimeout)
        options.maxAttempts = maxAttempts
        options.connectTimeout = seconds(redisTimeout)
        options.commandTimeout = seconds(redisTimeout)
        options.drain = seconds(drainSeconds)
        return options
    }

    private func seconds(_ s: Double) -> Duration { .milliseconds(Int64((s * 1000).rounded())) }
}

extension EnvironmentDefaults {
    /// `SWERVE_<NAME>` parsed as `T`, or nil when unset or empty (for flags
    /// whose absence means "pick a default later"). A value that does not
    /// parse stops the program with a message naming the variable.
    static func optional<T: LosslessStringConvertible>(_ name: String) -> T? {
        guard let pointer = getenv("SWERVE_" + name), pointer.pointee != 0 else { return nil }
        let text = String(cString: pointer)
        guard let parsed = T(text) else {
            fputs("swerve: SWERVE_\(name)='\(text)' is not a valid \(T.self)\n", stderr)
            exit(64)
        }
        return parsed
    }
}
