import SwerveTestSupport
import ModelRuntime
import Wire
import XCTest

final class ProtobufCodecRequestTests: XCTestCase {
    private let irisRows = Tensor(shape: [2, 4], floats: [5.1, 3.5, 1.4, 0.2, 6.7, 3.0, 5.2, 2.3])

    func testPredictRoundTripKeepsEveryField() throws {
        let request = Request(id: 42, call: .predict(PredictRequest(
            modelSpec: ModelSpec(name: "iris", version: 3, versionLabel: "stable"),
            inputs: [NamedTensor("float_input", irisRows), NamedTensor("ids", Tensor(shape: [2], int64s: [7, -9]))],
            outputFilter: ["output_probability", "output_label"])), timeoutMs: 250, noCache: true)
        let decoded = try roundTrip(request)
        XCTAssertEqual(decoded.id, 42)
        XCTAssertEqual(decoded.timeoutMs, 250)
        XCTAssertTrue(decoded.noCache)
        guard case .predict(let p) = decoded.call else { return XCTFail("not a predict: \(decoded.call.name)") }
        XCTAssertEqual(p.modelSpec, ModelSpec(name: "iris", version: 3, versionLabel: "stable"))
        XCTAssertEqual(p.outputFilter, ["output_probability", "output_label"])
        XCTAssertEqual(p.tensorEncoding, .typed)
        assertNamedTensorsEqual(p.inputs, [NamedTensor("float_input", irisRows),
                                           NamedTensor("ids", Tensor(shape: [2], int64s: [7, -9]))])
    }

    func testModelSpecVersionPresenceSurvivesIncludingZero() throws {
        for spec in [ModelSpec(name: "a"), ModelSpec(name: "a", version: 0), ModelSpec(name: "a", version: -1),
                     ModelSpec(name: "a", versionLabel: "canary"), ModelSpec(name: "ünïcode ✓", version: Int64.max)] {
            let decoded = try roundTrip(Request(id: 1, call: .getModelStatus(GetModelStatusRequest(modelSpec: spec))))
            guard case .getModelStatus(let g) = decoded.call else { return XCTFail("wrong call") }
            XCTAssertEqual(g.modelSpec, spec)
        }
    }

    func testSubmitRoundTrip() throws {
        let inner = PredictRequest(modelSpec: ModelSpec(name: "iris"), inputs: [NamedTensor("float_input", irisRows)])
        let decoded = try roundTrip(Request(id: 9, call: .submit(SubmitRequest(request: inner, idempotencyKey: "k-1"))))
        guard case .submit(let s) = decoded.call else { return XCTFail("wrong call") }
        XCTAssertEqual(s.idempotencyKey, "k-1")
        XCTAssertEqual(s.request.modelSpec, ModelSpec(name: "iris"))
        assertNamedTensorsEqual(s.request.inputs, inner.inputs)
    }

    func testEveryOtherCallRoundTrips() throws {
        let spec = ModelSpec(name: "diabetes", version: 2)
        let calls: [Request.Call] = [
            .getJob(GetJobRequest(jobId: "job-123")),
            .getModelMetadata(GetModelMetadataRequest(modelSpec: spec)),
            .listModels(ListModelsRequest()),
            .health(HealthRequest()),
        ]
        for (i, call) in calls.enumerated() {
            let decoded = try roundTrip(Request(id: UInt64(i) + UInt64(UInt32.max), call: call))
            XCTAssertEqual(decoded.id, UInt64(i) + UInt64(UInt32.max))
            XCTAssertEqual(decoded.timeoutMs, 0)
            XCTAssertFalse(decoded.noCache)
            switch (call, decoded.call) {
            case (.getJob(let a), .getJob(let b)): XCTAssertEqual(a, b)
            case (.getModelMetadata(let a), .getModelMetadata(let b)): XCTAssertEqual(a, b)
            case (.listModels, .listModels), (.health, .health): break
            default: XCTFail("\(call.name) came back as \(decoded.call.name)")
            }
        }
    }

    func testEncodeAppendsAfterExistingBytes() throws {
        var bytes: [UInt8] = [0xAA, 0xBB]
        ProtobufCodec.encode(Request(id: 5, call: .health(HealthRequest())), into: &bytes)
        XCTAssertEqual(Array(bytes.prefix(2)), [0xAA, 0xBB])
        let decoded = try bytes.dropFirst(2).withUnsafeBytes { ProtobufCodec.decodeRequest($0) }.get()
        XCTAssertEqual(decoded.id, 5)
    }

    func testDeadlineIsReceivedAtPlusTimeout() {
        let now = ContinuousClock.now
        XCTAssertNil(Request(id: 1, call: .health(HealthRequest())).deadline(receivedAt: now))
        XCTAssertEqual(Request(id: 1, call: .health(HealthRequest()), timeoutMs: 1500).deadline(receivedAt: now),
                       now.advanced(by: .milliseconds(1500)))
    }

    func testRepeatedInputNameKeepsBothAndLastWinsOnLookup() throws {
        let bytes: [UInt8] = {
            var w = ProtoWriter()
            w.message(Field.Request.predict) { p in
                for value in [Float(1), Float(2)] {
                    p.message(Field.Predict.inputs) { e in
                        e.string(Field.Entry.key, "x")
                        e.message(Field.Entry.value) { t in
                            t.int(Field.Tensor.dtype, 1)
                            t.packedInts(Field.Tensor.shape, [1])
                            t.packedFloats(Field.Tensor.floatVal, [value])
                        }
                    }
                }
            }
            return w.bytes
        }()
        guard case .predict(let p) = try ProtobufCodec.decodeRequest(bytes).get().call else { return XCTFail("wrong call") }
        XCTAssertEqual(p.inputs.count, 2)
        assertTensorsEqual(p.input(named: "x"), Tensor(shape: [1], floats: [2]))
    }

    func testLargeRequestBeyondTheDecodeArenaStackBufferRoundTrips() throws {
        // 40 string tensors and a 32 KB float tensor: protobuf-c's allocations
        // outgrow the stack buffer, fill malloc'd chunks and a large block.
        var inputs = (0..<40).map { i in
            NamedTensor("s\(i)", Tensor(shape: [30], strings: (0..<30).map { "value-\($0)-\(i)" }))
        }
        inputs.append(NamedTensor("big", Tensor(shape: [2000, 4], floats: (0..<8000).map { Float($0) / 7 })))
        let decoded = try roundTrip(Request(id: 1, call: .predict(PredictRequest(modelSpec: ModelSpec(name: "m"), inputs: inputs))))
        guard case .predict(let p) = decoded.call else { return XCTFail("wrong call") }
        assertNamedTensorsEqual(p.inputs, inputs)
    }
}
