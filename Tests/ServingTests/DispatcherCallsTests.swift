import Foundation
import Logging
import ModelRuntime
import ModelServer
import Primitives
import Serving
import Wire
import XCTest

final class DispatcherCallsTests: XCTestCase {
    nonisolated(unsafe) static var shared: DispatcherFixture?
    var dispatcher: Dispatcher { Self.shared!.dispatcher }

    override class func setUp() {
        super.setUp()
        shared = try? DispatcherFixture()
    }

    override class func tearDown() {
        shared = nil
        super.tearDown()
    }

    override func setUpWithError() throws {
        guard Self.shared != nil else {
            return XCTFail("could not build the model repository fixture")
        }
    }

    private func call(_ call: Request.Call, id: UInt64 = 1) -> Response {
        dispatcher.handle(Request(id: id, call: call), deadline: nil)
    }

    // MARK: GetModelStatus

    func testStatusOfAnAvailableModel() {
        let response = call(.getModelStatus(GetModelStatusRequest(modelSpec: ModelSpec(name: "kmeans"))))
        guard case .getModelStatus(let s)? = response.result else { return XCTFail("\(response.status)") }
        XCTAssertEqual(s.name, "kmeans")
        XCTAssertEqual(s.versions, [Wire.ModelVersionStatus(version: 1, state: .available, labels: ["stable"])])
    }

    func testStatusOfAFailedModelSaysWhy() {
        let response = call(.getModelStatus(GetModelStatusRequest(modelSpec: ModelSpec(name: "broken"))))
        guard case .getModelStatus(let s)? = response.result else { return XCTFail("\(response.status)") }
        XCTAssertEqual(s.versions.map(\.state), [.failed])
        XCTAssertNotEqual(s.versions.first?.status.code, .ok)
        XCTAssertFalse(s.versions.first?.status.message.isEmpty ?? true)
    }

    func testStatusByLabelAndUnknownOnes() {
        let byLabel = call(.getModelStatus(GetModelStatusRequest(modelSpec: ModelSpec(name: "kmeans", versionLabel: "stable"))))
        guard case .getModelStatus(let s)? = byLabel.result else { return XCTFail("\(byLabel.status)") }
        XCTAssertEqual(s.versions.map(\.version), [1])
        assertFailure(call(.getModelStatus(GetModelStatusRequest(modelSpec: ModelSpec(name: "kmeans", versionLabel: "gold")))),
                      .notFound, "gold", "stable")
        assertFailure(call(.getModelStatus(GetModelStatusRequest(modelSpec: ModelSpec(name: "nope")))), .notFound, "nope")
        assertFailure(call(.getModelStatus(GetModelStatusRequest(modelSpec: ModelSpec(name: "kmeans", version: 9)))), .notFound)
    }

    // MARK: GetModelMetadata

    func testIrisMetadata() {
        let response = call(.getModelMetadata(GetModelMetadataRequest(modelSpec: ModelSpec(name: "iris"))))
        guard case .getModelMetadata(let m)? = response.result else { return XCTFail("\(response.status)") }
        XCTAssertEqual(m.modelSpec, ModelSpec(name: "iris", version: 1))
        XCTAssertEqual(m.inputs, [TensorInfo(name: "input", dtype: .float, shape: [-1, 4])])
        XCTAssertEqual(m.outputs.map(\.name), ["label", "probabilities"])
        XCTAssertEqual(m.outputs.first?.dtype, .int64)
        XCTAssertEqual(m.outputs.last, TensorInfo(name: "probabilities", dtype: .float, shape: [-1, -1],
                                                   kind: .zipMap, labelDtype: .int64))
        XCTAssertEqual(m.classLabels, ["setosa", "versicolor", "virginica"])
        XCTAssertEqual(m.versions, [1])
        XCTAssertEqual(m.versionLabels, ["stable": 1])
        XCTAssertTrue(m.producer.hasPrefix("skl2onnx"), m.producer)
        XCTAssertEqual(m.maxBatchSize, 1000)
    }

    func testMetadataOfPlainTensorModelAndOfUnservableOnes() {
        let response = call(.getModelMetadata(GetModelMetadataRequest(modelSpec: ModelSpec(name: "linreg"))))
        guard case .getModelMetadata(let m)? = response.result else { return XCTFail("\(response.status)") }
        XCTAssertEqual(m.inputs.map(\.dtype), [.double])
        XCTAssertEqual(m.outputs.map(\.kind), [.tensor])
        XCTAssertEqual(m.maxBatchSize, 0, "no limit configured")
        let byLabel = call(.getModelMetadata(GetModelMetadataRequest(modelSpec: ModelSpec(name: "kmeans", versionLabel: "stable"))))
        guard case .getModelMetadata(let k)? = byLabel.result else { return XCTFail("\(byLabel.status)") }
        XCTAssertEqual(k.modelSpec, ModelSpec(name: "kmeans", version: 1, versionLabel: "stable"))
        XCTAssertEqual(k.inputs, [TensorInfo(name: "input", dtype: .float, shape: [-1, 4])])
        XCTAssertEqual(k.outputs.map(\.name), ["label", "scores"])
        XCTAssertEqual(k.versionLabels, ["stable": 1])
        XCTAssertEqual(k.versions, [1])
        XCTAssertEqual(k.maxBatchSize, 1000)
        assertFailure(call(.getModelMetadata(GetModelMetadataRequest(modelSpec: ModelSpec(name: "broken")))), .unavailable)
        assertFailure(call(.getModelMetadata(GetModelMetadataRequest(modelSpec: ModelSpec(name: "nope")))), .notFound)
    }

    // MARK: ListModels, Health

    func testListModelsNamesEveryModelInOrder() {
        let response = call(.listModels(ListModelsRequest()))
        guard case .listModels(let l)? = response.result else { return XCTFail("\(response.status)") }
        XCTAssertEqual(l.models.map(\.name), ["broken", "iris", "kmeans", "linreg"])
        XCTAssertEqual(l.models.first?.versions.map(\.state), [.failed])
        XCTAssertEqual(l.models.last?.versions.map(\.state), [.available])
    }

    func testHealthIsServingWhenEveryModelIsAvailableOrFailed() {
        let response = call(.health(HealthRequest()))
        guard case .health(let h)? = response.result else { return XCTFail("\(response.status)") }
        XCTAssertEqual(h, HealthResponse(serving: true, version: "test-1.2.3", modelsAvailable: 3, modelsTotal: 4))
    }

    // MARK: Jobs, unknown calls, undecodable frames

    func testSubmitAndGetJobAreUnimplementedWithoutAJobService() {
        let predict = PredictRequest(modelSpec: ModelSpec(name: "iris"), inputs: [])
        assertFailure(call(.submit(SubmitRequest(request: predict))), .unimplemented, "not enabled")
        assertFailure(call(.getJob(GetJobRequest(jobId: "j"))), .unimplemented, "not enabled")
    }

    func testUnknownCallInAFrameIsUnimplementedUnderItsId() throws {
        // Request { id: 77, <field 19>: {} }
        let response = try dispatcher.roundTripFrame([0x08, 77, 0x9A, 0x01, 0x00])
        XCTAssertEqual(response.id, 77)
        assertFailure(response, .unimplemented, "unknown call field 19")
    }

    func testGarbageFrameIsInvalidArgumentWithIdZero() throws {
        let response = try dispatcher.roundTripFrame([0xFF, 0xFF, 0xFF, 0x01, 0x02])
        XCTAssertEqual(response.id, 0)
        assertFailure(response, .invalidArgument, "malformed")
    }

    func testCompletionHandlerGetsTheSameAnswer() {
        let got = Locked<[Response]>([])
        dispatcher.handle(Request(id: 31, call: .health(HealthRequest())), deadline: nil) { r in
            got.withLock { $0.append(r) }
        }
        let responses = got.withLock { $0 }
        XCTAssertEqual(responses.count, 1)
        XCTAssertEqual(responses.first?.id, 31)
        XCTAssertEqual(responses.first?.status, .ok)
    }
}

/// Records calls and answers with fixed values, to show the dispatcher routes
/// Submit and GetJob to a configured job service.
private final class RecordingJobService: JobService, @unchecked Sendable {
    let submitted = Locked<[String]>([])

    func submit(_ request: SubmitRequest, deadline: ContinuousClock.Instant?,
                completion: @escaping @Sendable (Result<SubmitResponse, WireError>) -> Void) {
        submitted.withLock { $0.append(request.idempotencyKey) }
        let jobId = "job-\(request.request.modelSpec.name)"
        // Answer from another thread, as a real queue would.
        Thread.detachNewThread { completion(.success(SubmitResponse(jobId: jobId))) }
    }

    func getJob(_ request: GetJobRequest, deadline: ContinuousClock.Instant?,
                completion: @escaping @Sendable (Result<GetJobResponse, WireError>) -> Void) {
        completion(request.jobId == "job-iris"
            ? .success(GetJobResponse(jobId: request.jobId, state: .pending))
            : .failure(WireError(.notFound, "no job '\(request.jobId)'")))
    }
}

final class DispatcherJobsAndLoggingTests: XCTestCase {
    func testJobServiceReceivesSubmitAndGetJob() throws {
        let jobs = RecordingJobService()
        let fixture = try DispatcherFixture(jobService: jobs)
        let submit = fixture.dispatcher.handle(Request(id: 1, call: .submit(SubmitRequest(
            request: PredictRequest(modelSpec: ModelSpec(name: "iris"), inputs: []), idempotencyKey: "k1"))), deadline: nil)
        guard case .submit(let s)? = submit.result else { return XCTFail("\(submit.status)") }
        XCTAssertEqual(s.jobId, "job-iris")
        XCTAssertEqual(jobs.submitted.withLock { $0 }, ["k1"])

        let job = fixture.dispatcher.handle(Request(id: 2, call: .getJob(GetJobRequest(jobId: "job-iris"))), deadline: nil)
        guard case .getJob(let j)? = job.result else { return XCTFail("\(job.status)") }
        XCTAssertEqual(j.state, .pending)
        assertFailure(fixture.dispatcher.handle(Request(id: 3, call: .getJob(GetJobRequest(jobId: "x"))), deadline: nil),
                      .notFound, "'x'")
    }

    func testAccessLogHasOneDebugLinePerCallWithTheRequestId() throws {
        let handler = CapturingLogHandler(level: .debug)
        let fixture = try DispatcherFixture(logger: Logger(label: "test") { _ in handler })
        handler.lines.withLock { $0.removeAll() }  // drop the repository's own startup lines
        _ = fixture.dispatcher.handle(Request(id: 4242, call: .health(HealthRequest())), deadline: nil)
        _ = fixture.dispatcher.handle(Request(id: 4343, call: .predict(PredictRequest(
            modelSpec: ModelSpec(name: "nope"), inputs: []))), deadline: nil)
        let lines = handler.lines.withLock { $0 }.filter { $0.hasPrefix("debug call=") }
        XCTAssertEqual(lines.count, 2, "\(lines)")
        XCTAssertTrue(lines.first?.contains("call=health id=4242") ?? false, "\(lines)")
        XCTAssertTrue(lines.last?.contains("id=4343 model=nope code=NOT_FOUND") ?? false, "\(lines)")
    }

    func testNoAccessLogAboveDebug() throws {
        let handler = CapturingLogHandler(level: .info)
        let fixture = try DispatcherFixture(logger: Logger(label: "test") { _ in handler })
        handler.lines.withLock { $0.removeAll() }
        _ = fixture.dispatcher.handle(Request(id: 1, call: .health(HealthRequest())), deadline: nil)
        XCTAssertEqual(handler.lines.withLock { $0 }.filter { $0.contains("call=") }, [])
    }
}
