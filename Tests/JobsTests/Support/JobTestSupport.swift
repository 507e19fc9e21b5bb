import Foundation
import SwerveTestSupport
@testable import Jobs
import Logging
import ModelRuntime
import Wire
import XCTest

/// Blocking wrappers over the completion-based queue API, for tests.
extension JobQueue {
    func submitAndWait(_ request: SubmitRequest, deadline: ContinuousClock.Instant? = nil) -> Result<SubmitResponse, WireError> {
        let box = ResultBox<Result<SubmitResponse, WireError>>()
        submit(request, deadline: deadline) { box.put($0) }
        return box.take()
    }

    func getJobAndWait(_ id: String) -> Result<GetJobResponse, WireError> {
        let box = ResultBox<Result<GetJobResponse, WireError>>()
        getJob(id, deadline: nil) { box.put($0) }
        return box.take()
    }

    func submitID(_ request: SubmitRequest, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        switch submitAndWait(request) {
        case .success(let r): return r.jobId
        case .failure(let e): XCTFail("submit failed: \(e)", file: file, line: line); throw e
        }
    }

    func job(_ id: String, file: StaticString = #filePath, line: UInt = #line) throws -> GetJobResponse {
        switch getJobAndWait(id) {
        case .success(let r): return r
        case .failure(let e): XCTFail("get_job \(id) failed: \(e)", file: file, line: line); throw e
        }
    }

    /// Polls until the job is COMPLETED or FAILED (bounded).
    func waitFinished(_ id: String, timeout: TimeInterval = 30, file: StaticString = #filePath, line: UInt = #line) throws -> GetJobResponse {
        var last: GetJobResponse?
        try waitUntil("job \(id) finished", timeout: timeout, file: file, line: line) {
            last = try job(id, file: file, line: line)
            return last?.state == .completed || last?.state == .failed
        }
        guard let last else { throw RedisTestFailure("no job") }
        return last
    }
}

/// One value handed from a completion to a waiting test thread; a
/// completion that never comes fails the test after 30 s instead of hanging.
final class ResultBox<T>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var value: T?

    func put(_ v: T) {
        lock.lock()
        precondition(value == nil, "completion ran twice")
        value = v
        lock.unlock()
        done.signal()
    }

    func take() -> T {
        if done.wait(timeout: .now() + 30) == .timedOut { fatalError("completion never ran (30 s)") }
        lock.lock()
        defer { lock.unlock() }
        return value!
    }
}

/// A stand-in model run that holds every job until the test opens the gate:
/// shows a job PROCESSING and that Submit answered before the model ran.
final class Gate: @unchecked Sendable {
    let entered = DispatchSemaphore(value: 0)
    private let lock = NSCondition()
    private var open = false
    private(set) var runs = 0

    func runner(_ body: @escaping JobRunner = Gate.echo) -> JobRunner {
        { request in
            self.lock.lock()
            self.runs += 1
            self.lock.unlock()
            self.entered.signal()
            self.lock.lock()
            while !self.open { self.lock.wait() }
            self.lock.unlock()
            return body(request)
        }
    }

    func release() {
        lock.lock()
        open = true
        lock.broadcast()
        lock.unlock()
    }

    /// Answers with the inputs as outputs: enough to check a result round-trips.
    static let echo: JobRunner = { request in
        .success(PredictResponse(modelSpec: ModelSpec(name: request.modelSpec.name, version: 1), outputs: request.inputs))
    }
}

let quietLogger: Logger = {
    var logger = Logger(label: "jobs-tests")
    logger.logLevel = .critical
    return logger
}()

func sampleRequest(_ value: Float = 1, key: String = "") -> SubmitRequest {
    SubmitRequest(request: PredictRequest(modelSpec: ModelSpec(name: "iris"),
                                          inputs: [NamedTensor("X", Tensor(shape: [1, 4], floats: [value, 2, 3, 4]))]),
                  idempotencyKey: key)
}

func floats(_ response: PredictResponse?, _ name: String = "X") -> [Float]? {
    guard let tensor = response?.output(named: name), case .float(let values) = tensor.storage else { return nil }
    return values
}

/// Polls `condition` until it holds or `timeout` passes; the test's
/// synchronisation (never a fixed sleep standing in for it).
