import Foundation
import SwerveTestSupport
import ModelRuntime
import REST
import Transport
import Wire
import XCTest

/// A ``CallHandler`` standing in for the dispatcher: an iris-shaped model
/// named "iris" (input `input` float [-1, 4]; outputs `label` and ZipMap
/// `probabilities`), jobs, and models whose names force an error status.
/// Records every request it gets.
final class FakeCallHandler: CallHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var _requests: [Request] = []

    var requests: [Request] { lock.withLock { _requests } }

    private var _serving = true
    /// What Health reports (false: a model is still loading).
    var serving: Bool {
        get { lock.withLock { _serving } }
        set { lock.withLock { _serving = newValue } }
    }

    /// Model names that answer with a status: "fail-<code>", e.g. "fail-9".
    static func failingModel(_ code: StatusCode) -> String { "fail-\(code.rawValue)" }

    static let metadata = GetModelMetadataResponse(
        modelSpec: ModelSpec(name: "iris", version: 1),
        inputs: [TensorInfo(name: "input", dtype: .float, shape: [-1, 4])],
        outputs: [TensorInfo(name: "label", dtype: .int64, shape: [-1]),
                  TensorInfo(name: "probabilities", dtype: .float, shape: [-1, 3], kind: .zipMap, labelDtype: .int64)],
        classLabels: ["setosa", "versicolor", "virginica"], versions: [1], producer: "fake",
        featureNames: ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"])

    /// The probabilities row for an input row: the first value decides the class.
    static func probabilities(_ row: ArraySlice<Float>) -> [Float] {
        row.first! < 5.5 ? [0.75, 0.125, 0.125] : [0.0625, 0.0625, 0.875]
    }

    func handle(_ request: Request, deadline: ContinuousClock.Instant?, completion: @escaping @Sendable (Response) -> Void) {
        lock.withLock { _requests.append(request) }
        let id = request.id
        func fail(_ code: StatusCode, _ message: String) { completion(.failure(id: id, WireError(code, message))) }
        switch request.call {
        case .getModelMetadata(let g):
            if let error = Self.error(for: g.modelSpec) { return completion(.failure(id: id, error)) }
            var m = Self.metadata
            m.modelSpec = ModelSpec(name: g.modelSpec.name, version: 1)
            if g.modelSpec.name == "two-inputs" {
                m.inputs = [TensorInfo(name: "a", dtype: .float, shape: [-1, 2]), TensorInfo(name: "b", dtype: .int64, shape: [-1])]
            }
            completion(.success(id: id, .getModelMetadata(m)))
        case .predict(let p):
            if let error = Self.error(for: p.modelSpec) { return completion(.failure(id: id, error)) }
            let response = Self.predict(p)
            if p.modelSpec.name == "slow" {
                // Answer later from another thread: the adapter must keep the order.
                DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(150)) { completion(response) }
            } else {
                completion(response)
            }
        case .getModelStatus(let g):
            if let error = Self.error(for: g.modelSpec) { return completion(.failure(id: id, error)) }
            completion(.success(id: id, .getModelStatus(GetModelStatusResponse(name: g.modelSpec.name, versions: [
                ModelVersionStatus(version: 1, state: .available)]))))
        case .listModels:
            completion(.success(id: id, .listModels(ListModelsResponse(models: [
                ModelSummary(name: "iris", versions: [ModelVersionStatus(version: 1, state: .available)])]))))
        case .health:
            let serving = self.serving
            completion(.success(id: id, .health(HealthResponse(serving: serving, version: "test", modelsAvailable: serving ? 1 : 0, modelsTotal: 1))))
        case .getModelStatistics(let g):
            if !g.modelSpec.name.isEmpty, let error = Self.error(for: g.modelSpec) { return completion(.failure(id: id, error)) }
            completion(.success(id: id, .getModelStatistics(GetModelStatisticsResponse(modelStats: [
                ModelVersionStatistics(name: "iris", version: 1, lastInferenceMs: 1_700_000_000_000, inferenceCount: 5, executionCount: 3,
                                       success: StatisticDuration(count: 3, ns: 3000), fail: StatisticDuration(count: 1, ns: 100),
                                       queue: StatisticDuration(count: 3, ns: 300), computeInfer: StatisticDuration(count: 3, ns: 2000))]))))
        case .loadModel(let m), .unloadModel(let m):
            switch m.name {
            case "iris":
                let state: ModelVersionStatus.State = if case .loadModel = request.call { .available } else { .end }
                let status = GetModelStatusResponse(name: "iris", versions: [ModelVersionStatus(version: 1, state: state)])
                completion(.success(id: id, state == .available ? .loadModel(status) : .unloadModel(status)))
            case "polled":
                fail(.failedPrecondition, "cannot load models: the repository is in poll mode")
            default:
                fail(.notFound, "model '\(m.name)' not found")
            }
        case .submit(let s):
            if let error = Self.error(for: s.request.modelSpec) { return completion(.failure(id: id, error)) }
            DispatchQueue.global().async { completion(.success(id: id, .submit(SubmitResponse(jobId: "job-1")))) }
        case .getJob(let g):
            switch g.jobId {
            case "job-1":
                let input = PredictRequest(modelSpec: ModelSpec(name: "iris"), inputs: [NamedTensor("input", Tensor(shape: [1, 4], floats: [5.1, 3.5, 1.4, 0.2]))])
                guard case .predict(let result)? = Self.predict(input).result else { return fail(.internal, "no result") }
                completion(.success(id: id, .getJob(GetJobResponse(jobId: "job-1", state: .completed, result: result))))
            case "job-pending":
                completion(.success(id: id, .getJob(GetJobResponse(jobId: g.jobId, state: .pending))))
            case "job-failed":
                completion(.success(id: id, .getJob(GetJobResponse(jobId: g.jobId, state: .failed,
                                                                   error: Status(.invalidArgument, "input 'input' has the wrong shape")))))
            default:
                fail(.notFound, "job '\(g.jobId)' not found")
            }
        }
    }

    private static func error(for spec: ModelSpec) -> WireError? {
        if spec.name.hasPrefix("fail-"), let raw = Int32(spec.name.dropFirst(5)), let code = StatusCode(rawValue: raw) {
            return WireError(code, "forced \(code.protoName)")
        }
        if !["iris", "slow", "two-inputs"].contains(spec.name) {
            return WireError(.notFound, "model '\(spec.name)' not found")
        }
        if let v = spec.version, v != 1 { return WireError(.notFound, "model '\(spec.name)' has no version \(v)") }
        return nil
    }

    static func predict(_ p: PredictRequest) -> Response {
        guard let input = p.input(named: p.modelSpec.name == "two-inputs" ? "a" : "input") else {
            return .failure(id: 0, WireError(.invalidArgument, "missing input"))
        }
        guard case .float(let values) = input.storage, input.rank == 2, input.shape[1] == (p.modelSpec.name == "two-inputs" ? 2 : 4) else {
            return .failure(id: 0, WireError(.invalidArgument, "input 'input' expects float [-1, 4], got \(input.elementType) \(input.shape)"))
        }
        let rows = input.shape[0]
        let width = input.shape[1]
        var probabilities: [Float] = []
        var labels: [Int64] = []
        for r in 0..<rows {
            let row = Self.probabilities(values[(r * width)..<((r + 1) * width)])
            probabilities += row
            labels.append(row[0] > 0.5 ? 0 : 2)
        }
        var outputs = [NamedTensor("label", Tensor(shape: [rows], int64s: labels)),
                       NamedTensor("probabilities", Tensor(shape: [rows, 3], floats: probabilities)),
                       NamedTensor("probabilities:labels", Tensor(shape: [3], int64s: [0, 1, 2]))]
        if !p.outputFilter.isEmpty {
            outputs = outputs.filter { o in p.outputFilter.contains { o.name == $0 || o.name == $0 + ":labels" } }
        }
        return .success(id: 0, .predict(PredictResponse(modelSpec: ModelSpec(name: p.modelSpec.name, version: 1), outputs: outputs)))
    }
}

/// A REST server on its own loops in front of a ``FakeCallHandler``.
final class FakeRESTServer {
    let handler = FakeCallHandler()
    let group: EventLoopGroup
    let server: RESTServer
    var port: Int { server.boundPort }

    init(members: (any MemberHealthSource)? = nil, configure: (inout RESTServer.Options) -> Void = { _ in }) throws {
        var options = RESTServer.Options()
        options.port = 0
        configure(&options)
        group = try EventLoopGroup(loopCount: 2, name: "rest-test")
        server = try RESTServer(options: options, handler: handler, group: group, members: members)
    }

    func shutdown() {
        server.shutdown(grace: .seconds(1))
        group.shutdown()
    }

    func client() throws -> RawHTTPClient { try RawHTTPClient(port: port) }
}

/// A test case with a fresh ``FakeRESTServer`` and a client for each test.
class FakeRESTServerTestCase: XCTestCase {
    var server: FakeRESTServer!
    var client: RawHTTPClient!

    override func setUpWithError() throws {
        server = try FakeRESTServer()
        client = try server.client()
    }

    override func tearDown() {
        client = nil
        server.shutdown()
        // XCTest keeps every test case instance to the end of the run: drop
        // the server, or its handler's recorded requests live on until exit.
        server = nil
    }
}

/// Fan-out members with fixed health, answered from another thread.
struct FakeMembers: MemberHealthSource {
    let members: [MemberHealth]

    func memberHealth(completion: @escaping @Sendable ([MemberHealth]) -> Void) {
        let members = self.members
        DispatchQueue.global().async { completion(members) }
    }
}
