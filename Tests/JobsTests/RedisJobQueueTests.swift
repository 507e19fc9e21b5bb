import Foundation
import SwerveTestSupport
@testable import Jobs
import Wire
import XCTest
import Redis

/// The Redis Streams driver against a real redis-server on a free port.
final class RedisJobQueueTests: XCTestCase {
    private var redis: RedisServerProcess!
    private var queues: [RedisJobQueue] = []

    override func setUpWithError() throws {
        redis = try RedisServerProcess()
    }

    override func tearDown() {
        for q in queues { q.shutdown(drain: .zero) }
        queues = []
        redis = nil
    }

    private func queue(_ configure: (inout JobQueueOptions) -> Void = { _ in }) throws -> RedisJobQueue {
        let address = try RedisAddress(url: redis.url)
        var options = JobQueueOptions(backend: .redis(address))
        options.connectTimeout = .milliseconds(500)
        options.commandTimeout = .milliseconds(500)
        configure(&options)
        let q = RedisJobQueue(address: address, options: options, logger: quietLogger)
        queues.append(q)
        return q
    }

    func testSubmitAnswersBeforeTheModelRunsThenTheJobMovesPendingProcessingCompleted() throws {
        let front = try queue()
        let id = try front.submitID(sampleRequest(5))
        let pending = try front.job(id)
        XCTAssertEqual(pending.state, .pending)
        XCTAssertEqual(pending.attempts, 0)
        XCTAssertGreaterThan(pending.submittedAtMicros, 1_600_000_000_000_000, "Unix µs from Redis's clock")

        let gate = Gate()
        let worker = try queue()
        worker.startWorkers(count: 1, runner: gate.runner())
        XCTAssertEqual(gate.entered.wait(timeout: .now() + 10), .success)
        let running = try front.job(id)
        XCTAssertEqual(running.state, .processing)
        XCTAssertEqual(running.attempts, 1)
        XCTAssertGreaterThanOrEqual(running.startedAtMicros, running.submittedAtMicros)
        gate.release()

        let done = try front.waitFinished(id)
        XCTAssertEqual(done.state, .completed)
        XCTAssertEqual(floats(done.result), [5, 2, 3, 4])
        XCTAssertGreaterThanOrEqual(done.finishedAtMicros, done.startedAtMicros)
        XCTAssertEqual(try redis.integer(["HGET", "swerve:job:\(id)", "result_writes"]), 1)
        XCTAssertEqual(try redis.integer(["XLEN", "swerve:jobs"]), 0, "a finished job's entry is acked and deleted")
        XCTAssertGreaterThan(try redis.integer(["TTL", "swerve:job:\(id)"]), 0, "a finished job gets the result TTL")
    }

    func testAFailingPredictIsStoredAsFailedWithItsError() throws {
        let q = try queue()
        q.startWorkers(count: 1) { _ in .failure(WireError(.invalidArgument, "model 'iris' has no input 'Y'")) }
        let id = try q.submitID(sampleRequest())
        let done = try q.waitFinished(id)
        XCTAssertEqual(done.state, .failed)
        XCTAssertEqual(done.error, Status(.invalidArgument, "model 'iris' has no input 'Y'"))
    }

    func testTheSameIdempotencyKeyReturnsTheSameJob() throws {
        let q = try queue()
        let first = try q.submitID(sampleRequest(1, key: "invoice-9"))
        let again = try q.submitID(sampleRequest(2, key: "invoice-9"))
        let other = try q.submitID(sampleRequest(1))
        XCTAssertEqual(first, again)
        XCTAssertNotEqual(first, other)
        XCTAssertEqual(try redis.integer(["XLEN", "swerve:jobs"]), 2, "the repeated key queued nothing")
    }

    func testUnknownAndExpiredJobsAreNotFound() throws {
        let q = try queue { $0.resultTTL = .seconds(1) }
        guard case .failure(let unknown) = q.getJobAndWait("ffffffffffffffffffffffffffffffff") else { return XCTFail() }
        XCTAssertEqual(unknown.code, .notFound)
        q.startWorkers(count: 1, runner: Gate.echo)
        let id = try q.submitID(sampleRequest())
        // Watched through Redis's counter: polling GetJob could miss the 1 s TTL.
        try waitUntil("the job completed") { try redis.integer(["HGET", "swerve:stats", "completed"]) == 1 }
        var answer = q.getJobAndWait(id)
        waitUntil("the result expired", timeout: 10) {
            answer = q.getJobAndWait(id)
            if case .failure = answer { return true }
            return false
        }
        guard case .failure(let expired) = answer else { return }
        XCTAssertEqual(expired.code, .notFound)
    }

    func testUnreachableRedisAnswersUnavailableNamingTheAddressWithinTheBound() throws {
        let port = try RedisServerProcess.freePort()
        let address = RedisAddress(host: "127.0.0.1", port: port)
        var options = JobQueueOptions(backend: .redis(address))
        options.connectTimeout = .milliseconds(300)
        options.commandTimeout = .milliseconds(300)
        let q = RedisJobQueue(address: address, options: options, logger: quietLogger)
        queues.append(q)
        for _ in 0..<3 {
            let started = ContinuousClock.now
            guard case .failure(let error) = q.submitAndWait(sampleRequest()) else { return XCTFail("accepted without Redis") }
            XCTAssertEqual(error.code, .unavailable)
            XCTAssertTrue(error.message.contains("redis://127.0.0.1:\(port)"), error.message)
            XCTAssertLessThan(started.duration(to: .now), .seconds(5), "bounded (connect + command timeout)")
            guard case .failure(let getError) = q.getJobAndWait("0123") else { return XCTFail() }
            XCTAssertEqual(getError.code, .unavailable)
        }
    }

    func testAHungRedisAnswersUnavailableThenServesAgainWhenItResumes() throws {
        let q = try queue { $0.commandTimeout = .milliseconds(300); $0.connectTimeout = .milliseconds(300) }
        _ = try q.submitID(sampleRequest())  // connected and healthy
        redis.pause()
        defer { redis.resume() }
        let started = ContinuousClock.now
        let answers = (0..<4).map { _ in ResultBox<Result<SubmitResponse, WireError>>() }
        for box in answers { q.submit(sampleRequest(), deadline: nil) { box.put($0) } }
        for box in answers {
            guard case .failure(let error) = box.take() else { return XCTFail("accepted while Redis hung") }
            XCTAssertEqual(error.code, .unavailable)
            XCTAssertTrue(error.message.contains(redis.url), error.message)
        }
        XCTAssertLessThan(started.duration(to: .now), .seconds(5), "bounded although Redis never answers")
        redis.resume()
        waitUntil("submits succeed again") {
            if case .success = q.submitAndWait(sampleRequest()) { return true }
            return false
        }
    }

    /// Two workers finish the same job (the first was slow, not dead, and the
    /// job was reclaimed): the result is stored once and the state stays
    /// completed.
    func testAJobFinishedTwiceIsStoredOnce() throws {
        let front = try queue()
        let slow = try queue { $0.visibilityTimeout = .milliseconds(200) }
        let fast = try queue { $0.visibilityTimeout = .milliseconds(200) }
        let gate = Gate()
        slow.startWorkers(count: 1, runner: gate.runner { _ in
            .success(PredictResponse(modelSpec: ModelSpec(name: "iris", version: 1),
                                     outputs: [NamedTensor("X", .init(shape: [1], floats: [-1]))]))
        })
        let id = try front.submitID(sampleRequest(3))
        XCTAssertEqual(gate.entered.wait(timeout: .now() + 10), .success)
        fast.startWorkers(count: 1, runner: Gate.echo)
        let done = try front.waitFinished(id)
        XCTAssertEqual(done.state, .completed)
        XCTAssertEqual(done.attempts, 2)
        XCTAssertEqual(floats(done.result), [3, 2, 3, 4], "the reclaiming worker's result")
        gate.release()
        waitUntil("the slow worker's late finish was counted as a duplicate") {
            slow.statistics().counters.duplicates == 1
        }
        XCTAssertEqual(floats(try front.job(id).result), [3, 2, 3, 4], "the late result did not overwrite it")
        XCTAssertEqual(try redis.integer(["HGET", "swerve:job:\(id)", "result_writes"]), 1)
        XCTAssertEqual(fast.statistics().counters.reclaimed, 1)
        XCTAssertEqual(try redis.integer(["XPENDING", "swerve:jobs", "swerve:workers"]), 0, "nothing left unacked")
    }

    func testAJobOutOfAttemptsIsFailedAndDeadLettered() throws {
        let front = try queue()
        let stuck = try queue { $0.visibilityTimeout = .milliseconds(200); $0.maxAttempts = 1 }
        let other = try queue { $0.visibilityTimeout = .milliseconds(200); $0.maxAttempts = 1 }
        let gate = Gate()
        defer { gate.release() }
        stuck.startWorkers(count: 1, runner: gate.runner())
        let id = try front.submitID(sampleRequest())
        XCTAssertEqual(gate.entered.wait(timeout: .now() + 10), .success)
        other.startWorkers(count: 1, runner: Gate.echo)
        let done = try front.waitFinished(id)
        XCTAssertEqual(done.state, .failed)
        XCTAssertEqual(done.error?.code, .aborted)
        XCTAssertTrue(done.error?.message.contains("gave up after 1 attempts") ?? false, "\(String(describing: done.error))")
        XCTAssertEqual(try redis.integer(["XLEN", "swerve:dead"]), 1)
    }

    func testRedisAddressParsing() throws {
        XCTAssertEqual(try RedisAddress(url: "redis://redis:6380/2"), RedisAddress(host: "redis", port: 6380, database: 2))
        XCTAssertEqual(try RedisAddress(url: "redis://localhost"), RedisAddress(host: "localhost", port: 6379))
        XCTAssertEqual(try RedisAddress(url: "redis://[::1]:7000"), RedisAddress(host: "::1", port: 7000))
        XCTAssertEqual(RedisAddress(host: "::1", port: 7000).description, "redis://[::1]:7000")
        for bad in ["http://x:1", "redis://", "redis://h:0", "redis://h:99999", "redis://h:1/x", "redis://[::1"] {
            XCTAssertThrowsError(try RedisAddress(url: bad), bad)
        }
    }
}
