/// The Redis keys one deployment's jobs live under (all start with a prefix,
/// default "swerve", so deployments can share a Redis).
///
/// - `<p>:jobs`: the stream; one entry `job=<id>` per submitted job, read by
///   the consumer group `<p>:workers`; an entry is acked and deleted once its
///   job's result is stored, so the stream holds only unfinished work.
/// - `<p>:job:<id>`: a hash per job: state (1 pending … 4 failed), request,
///   submitted/started/finished (Unix µs, from Redis's clock), attempts,
///   result or err_code/err_msg, worker, result_writes, idem. It gets the
///   result TTL when the job finishes (pending jobs never expire: nothing
///   accepted is dropped).
/// - `<p>:idem:<key>`: idempotency key → job id, with the result TTL.
/// - `<p>:dead`: the dead-letter stream: jobs FAILED after too many attempts.
/// - `<p>:stats`: counters (completed, failed, duplicates, reclaimed).
struct RedisJobKeys: Sendable {
    let stream: String
    let group: String
    let dead: String
    let stats: String
    private let jobPrefix: String
    private let idempotencyPrefix: String

    init(prefix: String) {
        stream = "\(prefix):jobs"
        group = "\(prefix):workers"
        dead = "\(prefix):dead"
        stats = "\(prefix):stats"
        jobPrefix = "\(prefix):job:"
        idempotencyPrefix = "\(prefix):idem:"
    }

    func job(_ id: String) -> String { jobPrefix + id }
    func idempotency(_ key: String) -> String { idempotencyPrefix + key }
}
