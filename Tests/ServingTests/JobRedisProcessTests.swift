import Foundation
import SwerveTestSupport
@testable import Jobs
import ModelRuntime
import SwerveClient
import Wire
import XCTest
import Redis

/// Real processes around a real redis-server: a `swerve serve --queue redis://…`
/// front that accepts jobs and `swerve worker`s that run them.
final class JobRedisProcessTests: XCTestCase {
    /// Distinct inputs, so a result mixed up between jobs would show.
    private static func request(_ i: Int, rows: Int = 1) -> PredictRequest {
        let samples: [[Float]] = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3], [5.9, 3.0, 4.2, 1.5], [4.9, 3.1, 1.5, 0.1],
                                  [6.3, 2.5, 5.0, 1.9], [5.5, 2.4, 3.8, 1.1], [7.2, 3.6, 6.1, 2.5], [5.0, 3.4, 1.5, 0.2],
                                  [6.0, 2.2, 4.0, 1.0], [6.4, 3.2, 5.3, 2.3]]
        var values: [Float] = []
        values.reserveCapacity(rows * 4)
        for r in 0..<rows { values += samples[(i + r) % samples.count] }
        return PredictRequest(modelSpec: ModelSpec(name: "iris"),
                              inputs: [NamedTensor("input", Tensor(shape: [rows, 4], floats: values))])
    }

    private func same(_ a: PredictResponse?, _ b: PredictResponse) -> Bool {
        guard let a, a.outputs.count == b.outputs.count else { return false }
        return zip(a.outputs, b.outputs).allSatisfy {
            $0.name == $1.name && $0.tensor.shape == $1.tensor.shape && "\($0.tensor.storage)" == "\($1.tensor.storage)"
        }
    }

    private func redisConnection(_ redis: RedisServerProcess) -> RedisConnection {
        RedisConnection(address: RedisAddress(host: "127.0.0.1", port: redis.port),
                        connectTimeout: .seconds(2), commandTimeout: .seconds(10))
    }

    /// Polls GetJob for every id until all are finished (bounded); returns them.
    private func waitAllFinished(_ ids: [String], front port: Int, timeout: TimeInterval) throws -> [GetJobResponse] {
        let client = try SwervePipelinedClient(address: ServerAddress(host: "127.0.0.1", port: port))
        defer { client.close() }
        var jobs: [GetJobResponse] = []
        try waitUntil("\(ids.count) jobs finished", timeout: timeout) {
            let answers = try client.callAll(ids.map { .getJob(GetJobRequest(jobId: $0)) }, window: 256)
            jobs = answers.compactMap { if case .success(.getJob(let j)) = $0 { return j } else { return nil } }
            return jobs.count == ids.count && jobs.allSatisfy { $0.state == .completed || $0.state == .failed }
        }
        return jobs
    }

    func testTenThousandJobsThroughFourWorkerProcessesAreEachCompletedAndStoredOnce() throws {
        let redis = try RedisServerProcess()
        let front = try SwerveProcess(models: TestPaths.models, arguments: ["--queue", redis.url])
        let workers = try (0..<4).map { _ in
            try SwerveWorkerProcess(models: TestPaths.models, queue: redis.url, arguments: ["--workers", "2"])
        }
        let address = ServerAddress(host: "127.0.0.1", port: front.port)
        let client = try SwerveClient(address: address)
        defer { client.close() }
        let expected = try (0..<10).map { try client.predict(Self.request($0)) }

        let count = 10_000
        let started = ContinuousClock.now
        let pipelined = try SwervePipelinedClient(address: address)
        defer { pipelined.close() }
        let submitted = try pipelined.callAll((0..<count).map { .submit(SubmitRequest(request: Self.request($0 % 10))) }, window: 256)
        let ids: [String] = submitted.compactMap { if case .success(.submit(let s)) = $0 { return s.jobId } else { return nil } }
        XCTAssertEqual(ids.count, count, "every submit accepted")
        XCTAssertEqual(Set(ids).count, count, "job ids are unique")
        let submitTime = started.duration(to: .now)

        try waitUntil("all jobs stored", timeout: 110) {
            try redis.integer(["HGET", "swerve:stats", "completed"]) + redis.integer(["HGET", "swerve:stats", "failed"]) >= count
        }
        let runTime = started.duration(to: .now)
        print("10,000 jobs: submitted in \(submitTime), all stored after \(runTime)")

        let answers = try pipelined.callAll(ids.map { .getJob(GetJobRequest(jobId: $0)) }, window: 256)
        var wrong = 0
        for (i, answer) in answers.enumerated() {
            guard case .success(.getJob(let job)) = answer, job.state == .completed, same(job.result, expected[i % 10]) else {
                wrong += 1
                if wrong <= 3 { XCTFail("job \(ids[i]): \(answer)") }
                continue
            }
        }
        XCTAssertEqual(wrong, 0, "jobs not completed with the right result")

        // Stored once: the finish script counts its writes per job.
        let redisClient = redisConnection(redis)
        let replies = try redisClient.pipeline(ids.map { ["HMGET", .text("swerve:job:\($0)"), "result_writes", "worker"] })
        var pids = Set<String>()
        for (id, reply) in zip(ids, replies) {
            let fields = reply.array ?? []
            XCTAssertEqual(fields.first?.integer, 1, "result writes of \(id)")
            // Consumer names are host-pid-random-thread.
            if let worker = fields.last?.text {
                let parts = worker.split(separator: "-")
                if parts.count >= 4 { pids.insert(String(parts[parts.count - 3])) }
            }
        }
        XCTAssertEqual(try redis.integer(["HGET", "swerve:stats", "completed"]), count, "exactly one store per job")
        XCTAssertEqual(pids, Set(workers.map { String($0.pid) }), "all four workers took jobs")
        XCTAssertEqual(try redis.integer(["XLEN", "swerve:jobs"]), 0, "every entry acked and deleted")
        XCTAssertEqual(try redis.integer(["XPENDING", "swerve:jobs", "swerve:workers"]), 0)
    }

    func testAWorkerKilledMidJobsHasItsJobsReclaimedAndCompletedByAnother() throws {
        let redis = try RedisServerProcess()
        let front = try SwerveProcess(models: TestPaths.models, arguments: ["--queue", redis.url])
        let doomed = try SwerveWorkerProcess(models: TestPaths.models, queue: redis.url,
                                             arguments: ["--workers", "2", "--visibility-timeout", "1"])
        let address = ServerAddress(host: "127.0.0.1", port: front.port)
        let pipelined = try SwervePipelinedClient(address: address)
        defer { pipelined.close() }
        // Jobs of a few thousand rows take long enough that the worker is
        // nearly always inside one.
        let count = 80
        let submitted = try pipelined.callAll((0..<count).map { .submit(SubmitRequest(request: Self.request($0, rows: 4000))) })
        let ids: [String] = submitted.compactMap { if case .success(.submit(let s)) = $0 { return s.jobId } else { return nil } }
        XCTAssertEqual(ids.count, count)

        try waitUntil("the worker is inside jobs", timeout: 60) {
            try redis.integer(["HGET", "swerve:stats", "completed"]) >= 3
                && redis.integer(["XPENDING", "swerve:jobs", "swerve:workers"]) > 0
        }
        doomed.send(SIGKILL)
        XCTAssertNotNil(doomed.waitForExit(timeout: 10))
        // The jobs the killed worker held: its pending entries, and their job ids.
        let connection = redisConnection(redis)
        let pending = try connection.command(["XPENDING", "swerve:jobs", "swerve:workers", "-", "+", "100"])
        var orphaned: [String] = []
        for entryID in pending.array?.compactMap({ $0.array?.first?.text }) ?? [] {
            let range = try connection.command(["XRANGE", "swerve:jobs", .text(entryID), .text(entryID)])
            if let fields = range.array?.first?.array?.last?.array, fields.count == 2, let job = fields[1].text {
                orphaned.append(job)
            }
        }
        XCTAssertFalse(orphaned.isEmpty, "the killed worker held jobs it never acked")
        let doneBeforeKill = try redis.integer(["HGET", "swerve:stats", "completed"])
        XCTAssertLessThan(doneBeforeKill, count, "killed in the middle of the run")

        let rescuer = try SwerveWorkerProcess(models: TestPaths.models, queue: redis.url,
                                              arguments: ["--workers", "2", "--visibility-timeout", "1", "--metrics-port", "0"])
        let jobs = try waitAllFinished(ids, front: front.port, timeout: 100)
        XCTAssertTrue(jobs.allSatisfy { $0.state == .completed }, "every job completed")
        let orphanedJobs = try orphaned.map { id in try XCTUnwrap(jobs.first { $0.jobId == id }) }
        XCTAssertTrue(orphanedJobs.allSatisfy { $0.state == .completed }, "the orphaned jobs completed")
        // An entry delivered just before the kill may not have been started
        // (attempts 1 after the rescue); the ones in the model run were.
        XCTAssertTrue(orphanedJobs.contains { $0.attempts >= 2 }, "orphaned jobs ran again: \(orphanedJobs.map(\.attempts))")
        // (A job slower than the 1 s visibility timeout may also be taken
        // over from a live thread: delivery is at least once.)
        XCTAssertEqual(try redis.integer(["HGET", "swerve:stats", "completed"]), count, "each result stored once")
        XCTAssertEqual(try redis.integer(["XPENDING", "swerve:jobs", "swerve:workers"]), 0)

        // The rescuer's /metrics counts what it reclaimed.
        let port = try XCTUnwrap(rescuer.metricsPort)
        let scrape = try RawHTTPClient(port: port).call("GET", "/metrics")
        let metrics = scrape.text
        XCTAssertEqual(scrape.status, 200, metrics)
        let reclaimed = metrics.split(separator: "\n").first { $0.hasPrefix("swerve_worker_jobs_reclaimed_total ") }
        let reclaimedCount = try XCTUnwrap(reclaimed.flatMap { Int($0.split(separator: " ")[1]) }, metrics)
        XCTAssertGreaterThanOrEqual(reclaimedCount, orphaned.count, metrics)
    }

    func testRedisKilledAndRestartedLosesNoAcceptedJob() throws {
        let redis = try RedisServerProcess(appendOnly: true)
        let front = try SwerveProcess(models: TestPaths.models, arguments: ["--queue", redis.url, "--redis-timeout", "0.5"])
        let worker = try SwerveWorkerProcess(models: TestPaths.models, queue: redis.url,
                                             arguments: ["--workers", "2", "--visibility-timeout", "2", "--redis-timeout", "0.5"])
        let client = try SwerveClient(address: ServerAddress(host: "127.0.0.1", port: front.port))
        defer { client.close() }
        // Jobs big enough that the worker is still busy with them when Redis dies.
        var accepted: [String] = []
        for i in 0..<100 { accepted.append(try client.submit(Self.request(i, rows: 1500))) }
        let storedBeforeKill = try redis.integer(["HGET", "swerve:stats", "completed"])

        redis.kill()
        var refusals = 0
        for i in 0..<5 {
            let started = ContinuousClock.now
            do {
                accepted.append(try client.submit(Self.request(i)))
                XCTFail("a submit was accepted while Redis was down")
            } catch SwerveClientError.status(let status) {
                XCTAssertEqual(status.code, .unavailable)
                XCTAssertTrue(status.message.contains("127.0.0.1:\(redis.port)"), status.message)
                refusals += 1
            }
            XCTAssertLessThan(started.duration(to: .now), .seconds(5), "answered within a bounded time")
        }
        XCTAssertEqual(refusals, 5)
        XCTAssertThrowsError(try client.getJob(accepted[0])) { error in
            guard case SwerveClientError.status(let status) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(status.code, .unavailable)
        }
        XCTAssertNoThrow(try client.predict(Self.request(0)), "Predict does not need Redis")

        try redis.start()  // same port and directory: replays the append-only file
        try waitUntil("submits are accepted again", timeout: 30) {
            guard let id = try? client.submit(Self.request(7)) else { return false }
            accepted.append(id)
            return true
        }
        for i in 0..<100 { accepted.append(try client.submit(Self.request(i))) }

        let jobs = try waitAllFinished(accepted, front: front.port, timeout: 90)
        XCTAssertEqual(jobs.count, accepted.count)
        XCTAssertTrue(jobs.allSatisfy { $0.state == .completed }, "no accepted job lost: \(jobs.filter { $0.state != .completed }.prefix(3))")
        XCTAssertTrue(worker.process.isRunning, "the worker survived the Redis restart")
        print("Redis restart: \(storedBeforeKill) of the first 100 jobs were stored before the kill; \(accepted.count) accepted in all")
    }

    func testTwoFrontsShareJobsAndAFrontsInProcessWorkersRunThem() throws {
        let redis = try RedisServerProcess()
        let working = try SwerveProcess(models: TestPaths.models, arguments: ["--queue", redis.url, "--workers", "1"])
        let accepting = try SwerveProcess(models: TestPaths.models, arguments: ["--queue", redis.url])
        let submitter = try SwerveClient(address: ServerAddress(host: "127.0.0.1", port: accepting.port))
        defer { submitter.close() }
        let reader = try SwerveClient(address: ServerAddress(host: "127.0.0.1", port: working.port))
        defer { reader.close() }
        let expected = try submitter.predict(Self.request(3))
        let ids = try (0..<20).map { _ in try submitter.submit(Self.request(3)) }
        XCTAssertEqual(try submitter.submit(Self.request(3), idempotencyKey: "k"),
                       try reader.submit(Self.request(4), idempotencyKey: "k"), "one idempotency key across fronts")
        for id in ids {
            let job = try reader.waitForJob(id, timeout: .seconds(30))
            XCTAssertEqual(job.state, .completed)
            XCTAssertTrue(same(job.result, expected), "\(String(describing: job.result))")
        }
    }

    func testAWorkerRunsJobsOnAFanOutModel() throws {
        let redis = try RedisServerProcess()
        let front = try SwerveProcess(models: TestPaths.models, arguments: ["--queue", redis.url])
        let worker = try SwerveWorkerProcess(models: TestPaths.models, queue: redis.url, arguments: ["--workers", "1"])
        let client = try SwerveClient(address: ServerAddress(host: "127.0.0.1", port: front.port))
        defer { client.close() }
        var request = Self.request(1)
        request.modelSpec = ModelSpec(name: "iris-ovr")
        let expected = try client.predict(request)
        let id = try client.submit(request)
        let job = try client.waitForJob(id, timeout: .seconds(30))
        XCTAssertEqual(job.state, .completed, "\(String(describing: job.error))")
        XCTAssertTrue(same(job.result, expected), "\(String(describing: job.result)) vs \(expected)")
        XCTAssertTrue(worker.process.isRunning)
    }

    func testSIGTERMOnAWorkerFinishesTheJobInHand() throws {
        let redis = try RedisServerProcess()
        let front = try SwerveProcess(models: TestPaths.models, arguments: ["--queue", redis.url])
        let worker = try SwerveWorkerProcess(models: TestPaths.models, queue: redis.url,
                                             arguments: ["--workers", "1", "--drain-seconds", "120"])
        let client = try SwerveClient(address: ServerAddress(host: "127.0.0.1", port: front.port))
        defer { client.close() }
        let id = try client.submit(Self.request(0, rows: 40_000))
        try waitUntil("the worker took the job", timeout: 30) { try client.getJob(id).state != .pending }
        worker.send(SIGTERM)
        XCTAssertEqual(worker.waitForExit(timeout: 130), 0, worker.standardError)
        let job = try client.getJob(id)
        XCTAssertEqual(job.state, .completed, "finished before the worker exited")
        XCTAssertEqual(job.attempts, 1)
        XCTAssertEqual(try redis.integer(["XPENDING", "swerve:jobs", "swerve:workers"]), 0, "nothing left in hand")
        let consumers = try redis.command(["XINFO", "CONSUMERS", "swerve:jobs", "swerve:workers"])
        XCTAssertTrue(consumers.hasPrefix("*0"), "a cleanly stopped worker removes its consumer: \(consumers)")
    }
}
