import ModelRuntime
import Wire
import XCTest

final class ProtobufCodecResponseTests: XCTestCase {
    func testPredictResponseRoundTripKeepsOrderAndZipMapLabels() throws {
        let outputs = [
            NamedTensor("output_label", Tensor(shape: [2], int64s: [0, 2])),
            NamedTensor("output_probability", Tensor(shape: [2, 3], floats: [0.9, 0.05, 0.05, 0.1, 0.2, 0.7])),
            NamedTensor("output_probability:labels", Tensor(shape: [3], strings: ["setosa", "versicolor", "virginica"])),
        ]
        let response = Response.success(id: 77, .predict(PredictResponse(
            modelSpec: ModelSpec(name: "iris", version: 1), outputs: outputs)))
        let decoded = try roundTrip(response)
        XCTAssertEqual(decoded.id, 77)
        XCTAssertEqual(decoded.status, .ok)
        guard case .predict(let p)? = decoded.result else { return XCTFail("no predict result") }
        XCTAssertEqual(p.modelSpec, ModelSpec(name: "iris", version: 1))
        XCTAssertEqual(p.tensorEncoding, .typed)
        assertNamedTensorsEqual(p.outputs, outputs)
    }

    func testFailedResponseCarriesCodeAndMessageWithoutResult() throws {
        for code in StatusCode.allCases where code != .ok {
            let decoded = try roundTrip(Response.failure(id: 3, WireError(code, "model 'x' is … \(code)")))
            XCTAssertEqual(decoded.status, Status(code, "model 'x' is … \(code)"))
            XCTAssertNil(decoded.result)
        }
    }

    func testJobResponsesRoundTrip() throws {
        let submit = try roundTrip(.success(id: 1, .submit(SubmitResponse(jobId: "j-1"))))
        guard case .submit(let s)? = submit.result else { return XCTFail("no submit result") }
        XCTAssertEqual(s.jobId, "j-1")

        let result = PredictResponse(modelSpec: ModelSpec(name: "iris", version: 1),
                                     outputs: [NamedTensor("y", Tensor(shape: [1], doubles: [1.5]))])
        let job = GetJobResponse(jobId: "j-1", state: .completed, result: result, error: nil,
                                 submittedAtMicros: 10, startedAtMicros: 20, finishedAtMicros: 30, attempts: 2)
        let decoded = try roundTrip(.success(id: 2, .getJob(job)))
        guard case .getJob(let j)? = decoded.result else { return XCTFail("no job result") }
        XCTAssertEqual(j.jobId, "j-1")
        XCTAssertEqual(j.state, .completed)
        XCTAssertEqual([j.submittedAtMicros, j.startedAtMicros, j.finishedAtMicros], [10, 20, 30])
        XCTAssertEqual(j.attempts, 2)
        XCTAssertNil(j.error)
        assertNamedTensorsEqual(j.result?.outputs ?? [], result.outputs)

        let failed = try roundTrip(.success(id: 3, .getJob(GetJobResponse(
            jobId: "j-2", state: .failed, error: Status(.invalidArgument, "bad input")))))
        guard case .getJob(let f)? = failed.result else { return XCTFail("no job result") }
        XCTAssertEqual(f.state, .failed)
        XCTAssertEqual(f.error, Status(.invalidArgument, "bad input"))
        XCTAssertNil(f.result)
    }

    func testModelStatusAndListModelsRoundTrip() throws {
        let versions = [
            ModelVersionStatus(version: 1, state: .available, labels: ["stable"]),
            ModelVersionStatus(version: 2, state: .failed, status: Status(.internal, "unsupported op Foo")),
            ModelVersionStatus(version: 3, state: .loading),
        ]
        for state in ModelVersionStatus.State.allCases {
            let decoded = try roundTrip(.success(id: 1, .getModelStatus(GetModelStatusResponse(
                name: "m", versions: [ModelVersionStatus(version: 4, state: state)]))))
            guard case .getModelStatus(let g)? = decoded.result else { return XCTFail("no status result") }
            XCTAssertEqual(g.versions.first?.state, state)
        }
        let status = try roundTrip(.success(id: 1, .getModelStatus(GetModelStatusResponse(name: "iris", versions: versions))))
        guard case .getModelStatus(let g)? = status.result else { return XCTFail("no status result") }
        XCTAssertEqual(g, GetModelStatusResponse(name: "iris", versions: versions))

        let list = ListModelsResponse(models: [ModelSummary(name: "iris", versions: versions),
                                               ModelSummary(name: "empty", versions: [])])
        let listed = try roundTrip(.success(id: 2, .listModels(list)))
        guard case .listModels(let l)? = listed.result else { return XCTFail("no list result") }
        XCTAssertEqual(l, list)
    }

    func testMetadataRoundTrip() throws {
        let meta = GetModelMetadataResponse(
            modelSpec: ModelSpec(name: "iris", version: 1),
            inputs: [TensorInfo(name: "float_input", dtype: .float, shape: [-1, 4])],
            outputs: [TensorInfo(name: "output_label", dtype: .int64, shape: [-1]),
                      TensorInfo(name: "output_probability", dtype: .float, shape: [-1, -1],
                                 kind: .zipMap, labelDtype: .int64)],
            classLabels: ["setosa", "versicolor", "virginica"], versions: [1, 2],
            versionLabels: ["stable": 1, "canary": 2], producer: "skl2onnx 1.20.0", maxBatchSize: 1000)
        let decoded = try roundTrip(.success(id: 1, .getModelMetadata(meta)))
        guard case .getModelMetadata(let m)? = decoded.result else { return XCTFail("no metadata result") }
        XCTAssertEqual(m, meta)
    }

    func testHealthRoundTrip() throws {
        let health = HealthResponse(serving: true, version: "0.1.0", modelsAvailable: 4, modelsTotal: 5)
        let decoded = try roundTrip(.success(id: 1, .health(health)))
        guard case .health(let h)? = decoded.result else { return XCTFail("no health result") }
        XCTAssertEqual(h, health)
    }
}
