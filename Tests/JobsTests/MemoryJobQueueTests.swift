import SwerveTestSupport
import Foundation
@testable import Jobs
import Wire
import XCTest

final class MemoryJobQueueTests: XCTestCase {
    private func queue(_ configure: (inout JobQueueOptions) -> Void = { _ in }) -> MemoryJobQueue {
        var options = JobQueueOptions(backend: .memory)
        configure(&options)
        return MemoryJobQueue(options: options, logger: quietLogger)
    }

    func testSubmitAnswersBeforeTheModelRunsThenTheJobMovesPendingProcessingCompleted() throws {
        let q = queue()
        defer { q.shutdown(drain: .seconds(5)) }
        let gate = Gate()
        let id = try q.submitID(sampleRequest(7))
        XCTAssertEqual(try q.job(id).state, .pending, "no worker yet")
        q.startWorkers(count: 1, runner: gate.runner())
        XCTAssertEqual(gate.entered.wait(timeout: .now() + 10), .success)
        let running = try q.job(id)
        XCTAssertEqual(running.state, .processing)
        XCTAssertEqual(running.attempts, 1)
        XCTAssertGreaterThan(running.startedAtMicros, 0)
        XCTAssertNil(running.result)
        gate.release()
        let done = try q.waitFinished(id)
        XCTAssertEqual(done.state, .completed)
        XCTAssertEqual(floats(done.result), [7, 2, 3, 4])
        XCTAssertLessThanOrEqual(done.submittedAtMicros, done.startedAtMicros)
        XCTAssertLessThanOrEqual(done.startedAtMicros, done.finishedAtMicros)
    }

    func testAFullQueueAnswersResourceExhausted() throws {
        let q = queue { $0.capacity = 2 }
        defer { q.shutdown(drain: .zero) }
        _ = try q.submitID(sampleRequest())
        _ = try q.submitID(sampleRequest())
        guard case .failure(let error) = q.submitAndWait(sampleRequest()) else { return XCTFail("third submit accepted") }
        XCTAssertEqual(error.code, .resourceExhausted)
        XCTAssertTrue(error.message.contains("2 jobs waiting"), error.message)
        XCTAssertEqual(q.statistics().counters.rejected, 1)
    }

    func testAnExpiredResultIsNotFound() throws {
        let q = queue { $0.resultTTL = .milliseconds(300) }
        defer { q.shutdown(drain: .zero) }
        q.startWorkers(count: 1, runner: Gate.echo)
        let id = try q.submitID(sampleRequest())
        // Not polled with GetJob: a slow test thread could miss the short TTL.
        waitUntil("the job completed") { q.statistics().counters.completed == 1 }
        var answer = q.getJobAndWait(id)
        waitUntil("the result expired") {
            answer = q.getJobAndWait(id)
            if case .failure = answer { return true }
            return false
        }
        guard case .failure(let error) = answer else { return }
        XCTAssertEqual(error.code, .notFound)
        XCTAssertTrue(error.message.contains(id), error.message)
        XCTAssertEqual(q.statistics().retained, 0, "the expired result is removed, not just hidden")
    }

    func testAnUnknownJobIsNotFoundAndAMalformedIdIsInvalid() {
        let q = queue()
        defer { q.shutdown(drain: .zero) }
        guard case .failure(let unknown) = q.getJobAndWait("0123456789abcdef0123456789abcdef") else { return XCTFail() }
        XCTAssertEqual(unknown.code, .notFound)
        guard case .failure(let empty) = q.getJobAndWait("") else { return XCTFail() }
        XCTAssertEqual(empty.code, .invalidArgument)
        guard case .failure(let spaces) = q.getJobAndWait("a b") else { return XCTFail() }
        XCTAssertEqual(spaces.code, .invalidArgument)
    }

    func testRetainedResultsAreBoundedOldestFirst() throws {
        let q = queue { $0.maxRetainedResults = 3 }
        defer { q.shutdown(drain: .zero) }
        q.startWorkers(count: 1, runner: Gate.echo)
        var ids: [String] = []
        for i in 0..<5 {
            let id = try q.submitID(sampleRequest(Float(i)))
            _ = try q.waitFinished(id)  // one at a time: finishing order is submit order
            ids.append(id)
        }
        XCTAssertEqual(q.statistics().retained, 3)
        for id in ids.prefix(2) {
            guard case .failure(let e) = q.getJobAndWait(id) else { return XCTFail("\(id) should be evicted") }
            XCTAssertEqual(e.code, .notFound)
        }
        for id in ids.suffix(3) { XCTAssertEqual(try q.job(id).state, .completed) }
    }

    func testTheSameIdempotencyKeyReturnsTheSameJob() throws {
        let q = queue()
        defer { q.shutdown(drain: .zero) }
        let first = try q.submitID(sampleRequest(1, key: "order-17"))
        let again = try q.submitID(sampleRequest(2, key: "order-17"))
        let other = try q.submitID(sampleRequest(1, key: "order-18"))
        XCTAssertEqual(first, again)
        XCTAssertNotEqual(first, other)
        XCTAssertEqual(q.statistics().queued, 2)
    }

    func testAFailingPredictIsFailedWithItsError() throws {
        let q = queue()
        defer { q.shutdown(drain: .zero) }
        q.startWorkers(count: 1) { _ in .failure(.invalidArgument("input 'X' wants 4 columns, got 3")) }
        let id = try q.submitID(sampleRequest())
        let done = try q.waitFinished(id)
        XCTAssertEqual(done.state, .failed)
        XCTAssertEqual(done.error?.code, .invalidArgument)
        XCTAssertEqual(done.error?.message, "input 'X' wants 4 columns, got 3")
        XCTAssertNil(done.result)
    }

    func testShutdownRunsQueuedJobsThenRefusesNewOnes() throws {
        let q = queue()
        let gate = Gate()
        q.startWorkers(count: 1, runner: gate.runner())
        let ids = try (0..<5).map { try q.submitID(sampleRequest(Float($0))) }
        XCTAssertEqual(gate.entered.wait(timeout: .now() + 10), .success)
        let report = ResultBox<JobDrainReport>()
        DispatchQueue.global().async { report.put(q.shutdown(drain: .seconds(30))) }
        // Submits are refused as soon as the drain starts (some may get in before it does).
        var acceptedBeforeDrain = 0
        waitUntil("submits are refused") {
            switch q.submitAndWait(sampleRequest()) {
            case .success: acceptedBeforeDrain += 1; return false
            case .failure(let e): return e.code == .unavailable
            }
        }
        gate.release()
        XCTAssertEqual(report.take(), JobDrainReport(finished: 5 + acceptedBeforeDrain, leftQueued: 0, leftRunning: 0))
        for id in ids { XCTAssertEqual(try q.job(id).state, .completed) }
    }

    func testShutdownStopsAtTheDrainTimeAndReportsWhatWasLeft() throws {
        let q = queue()
        let gate = Gate()
        defer { gate.release() }
        q.startWorkers(count: 1, runner: gate.runner())
        for i in 0..<4 { _ = try q.submitID(sampleRequest(Float(i))) }
        XCTAssertEqual(gate.entered.wait(timeout: .now() + 10), .success)
        let report = q.shutdown(drain: .milliseconds(100))
        XCTAssertEqual(report, JobDrainReport(finished: 0, leftQueued: 3, leftRunning: 1))
    }
}
