import Foundation
import SwerveTestSupport
import Jobs
import Logging
import ModelRuntime
import ModelServer
import Serving
import Wire
import XCTest
import Redis

/// Submit/GetJob through the real dispatcher and predict path, for both
/// drivers: a job's result equals a direct Predict of the same input, and
/// Submit answers while the model has not run yet.
final class JobDispatcherTests: XCTestCase {
    private var repository: ModelRepository!
    private var redis: RedisServerProcess?

    private static var logger: Logger {
        var logger = Logger(label: "job-dispatcher-tests")
        logger.logLevel = .critical
        return logger
    }

    override func setUpWithError() throws {
        repository = ModelRepository(root: TestPaths.models.path, pollInterval: .seconds(3600), logger: Self.logger)
        try repository.start()
    }

    override func tearDown() {
        repository.stop()
        redis = nil
    }

    func testMemoryJobMovesPendingProcessingCompletedWithTheResultOfADirectPredict() throws {
        try checkLifecycle(JobQueueOptions(backend: .memory))
    }

    func testRedisJobMovesPendingProcessingCompletedWithTheResultOfADirectPredict() throws {
        let redis = try RedisServerProcess()
        self.redis = redis
        try checkLifecycle(JobQueueOptions(backend: .redis(try RedisAddress(url: redis.url))))
    }

    func testSubmitForAnUnknownModelIsNotFound() throws {
        let queue = JobQueueOptions(backend: .memory).makeQueue(logger: Self.logger)
        defer { queue.shutdown(drain: .zero) }
        let dispatcher = Dispatcher(repository: repository, serverVersion: "t", logger: Self.logger,
                                    jobService: JobQueueService(queue: queue, repository: repository))
        let response = dispatcher.handle(Request(id: 1, call: .submit(SubmitRequest(request: PredictRequest(
            modelSpec: ModelSpec(name: "no-such-model"), inputs: [])))), deadline: nil)
        XCTAssertEqual(response.status.code, .notFound, "\(response.status)")
        XCTAssertTrue(response.status.message.contains("no-such-model"), response.status.message)
    }

    private func checkLifecycle(_ options: JobQueueOptions) throws {
        let queue = options.makeQueue(logger: Self.logger)
        defer { queue.shutdown(drain: .seconds(5)) }
        let dispatcher = Dispatcher(repository: repository, serverVersion: "t", logger: Self.logger,
                                    jobService: JobQueueService(queue: queue, repository: repository))
        let predict = PredictRequest(modelSpec: ModelSpec(name: "iris"),
                                     inputs: [NamedTensor("input", Tensor(shape: [2, 4], floats: [5.1, 3.5, 1.4, 0.2, 6.7, 3.0, 5.2, 2.3]))])

        // No worker yet: Submit must still answer, and the job waits.
        let submitted = dispatcher.handle(Request(id: 1, call: .submit(SubmitRequest(request: predict))), deadline: nil)
        guard case .submit(let s)? = submitted.result else { return XCTFail("\(submitted.status)") }
        XCTAssertEqual(try job(dispatcher, s.jobId).state, .pending)

        // A worker that holds the job in the model run until the test lets go.
        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let run = JobQueueService.runner(dispatcher: dispatcher)
        queue.startWorkers(count: 1) { request in
            entered.signal()
            release.wait()
            return run(request)
        }
        XCTAssertEqual(entered.wait(timeout: .now() + 10), .success)
        XCTAssertEqual(try job(dispatcher, s.jobId).state, .processing)
        release.signal()

        var finished: GetJobResponse?
        try waitUntil("the job finished") {
            let j = try job(dispatcher, s.jobId)
            finished = j
            return j.state == .completed || j.state == .failed
        }
        let done = try XCTUnwrap(finished)
        XCTAssertEqual(done.state, .completed, "\(String(describing: done.error))")
        XCTAssertEqual(done.attempts, 1)

        let direct = dispatcher.handle(Request(id: 2, call: .predict(predict)), deadline: nil)
        guard case .predict(let expected)? = direct.result, let result = done.result else { return XCTFail("\(direct.status)") }
        XCTAssertEqual(result.modelSpec, expected.modelSpec)
        XCTAssertEqual(result.outputs.map(\.name), expected.outputs.map(\.name))
        for (a, b) in zip(result.outputs, expected.outputs) {
            XCTAssertEqual(a.tensor.shape, b.tensor.shape, a.name)
            XCTAssertEqual("\(a.tensor.storage)", "\(b.tensor.storage)", a.name)
        }
    }

    private func job(_ dispatcher: Dispatcher, _ id: String) throws -> GetJobResponse {
        let response = dispatcher.handle(Request(id: 9, call: .getJob(GetJobRequest(jobId: id))), deadline: nil)
        guard case .getJob(let j)? = response.result else { throw ProcessFailure("get_job: \(response.status)") }
        return j
    }
}
