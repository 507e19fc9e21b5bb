import Foundation
import ModelRuntime
import ModelServer
@testable import Serving
import Wire
import XCTest

final class DispatcherPredictTests: XCTestCase {
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

    private let irisRow = NamedTensor("input", Tensor(shape: [1, 4], floats: [5.1, 3.5, 1.4, 0.2]))

    // MARK: Success

    func testIrisPredictGivesProbabilitiesAndLabelsMatchingOnnxruntime() throws {
        let fixture = try DispatcherFixture.fixture("served_iris")
        let rows = DispatcherFixture.floatRows(fixture, rows: 5)
        let response = dispatcher.predict(ModelSpec(name: "iris"), [NamedTensor("input", rows)], id: 11)
        XCTAssertEqual(response.status, .ok)
        XCTAssertEqual(response.id, 11)
        guard case .predict(let p)? = response.result else { return XCTFail("no predict result: \(response.status)") }
        XCTAssertEqual(p.modelSpec, ModelSpec(name: "iris", version: 1))
        XCTAssertEqual(p.outputs.map(\.name), ["label", "probabilities", "probabilities:labels"])

        let expectedLabels = DispatcherFixture.output(fixture, "label", "data").prefix(5).map { Int64($0) }
        guard case .int64(let labels)? = p.output(named: "label")?.storage else { return XCTFail("label is not int64") }
        XCTAssertEqual(labels, Array(expectedLabels))

        let probabilities = try XCTUnwrap(p.output(named: "probabilities"))
        XCTAssertEqual(probabilities.shape, [5, 3])
        guard case .float(let probs) = probabilities.storage else { return XCTFail("probabilities are not float") }
        let expected = DispatcherFixture.output(fixture, "probabilities", "probabilities").prefix(15)
        XCTAssertEqual(expected.count, 15)
        for (got, want) in zip(probs, expected) { XCTAssertEqual(Double(got), want, accuracy: 1e-5) }
        for row in 0..<5 { XCTAssertEqual(probs[row * 3..<row * 3 + 3].reduce(0, +), 1, accuracy: 1e-5) }

        guard case .int64(let classes)? = p.output(named: "probabilities:labels")?.storage else {
            return XCTFail("probabilities:labels is not int64")
        }
        XCTAssertEqual(classes, [0, 1, 2])
    }

    func testVersionLabelResolvesAndIsEchoed() {
        let response = dispatcher.predict(ModelSpec(name: "kmeans", versionLabel: "stable"), [irisRow])
        guard case .predict(let p)? = response.result else { return XCTFail("\(response.status)") }
        XCTAssertEqual(p.modelSpec, ModelSpec(name: "kmeans", version: 1, versionLabel: "stable"))
    }

    func testOutputFilterReturnsOnlyTheNamedOutputs() {
        let rows = NamedTensor("input", Tensor(shape: [2, 4], floats: [5.1, 3.5, 1.4, 0.2, 6.7, 3.0, 5.2, 2.3]))
        let response = dispatcher.predict(ModelSpec(name: "kmeans"), [rows], filter: ["scores"])
        guard case .predict(let p)? = response.result else { return XCTFail("\(response.status)") }
        XCTAssertEqual(p.outputs.map(\.name), ["scores"])
        XCTAssertEqual(p.output(named: "scores")?.shape, [2, 3])

        let all = dispatcher.predict(ModelSpec(name: "kmeans"), [rows])
        guard case .predict(let q)? = all.result else { return XCTFail("\(all.status)") }
        XCTAssertEqual(q.outputs.map(\.name), ["label", "scores"])
    }

    func testDoubleModelMatchesOnnxruntime() throws {
        let fixture = try DispatcherFixture.fixture("linear_regression_double")
        let (values, width) = DispatcherFixture.inputRows(fixture, rows: 3)
        XCTAssertEqual(width, 10)
        let x = Tensor(shape: [3, 10], doubles: values)
        let response = dispatcher.predict(ModelSpec(name: "linreg"), [NamedTensor("input", x)])
        guard case .predict(let p)? = response.result else { return XCTFail("\(response.status)") }
        let expected = DispatcherFixture.output(fixture, "variable", "data").prefix(3)
        guard case .double(let got)? = p.output(named: "variable")?.storage else { return XCTFail("not double") }
        XCTAssertEqual(got.count, 3)
        for (g, w) in zip(got, expected) { XCTAssertEqual(g, w, accuracy: 1e-9) }
    }

    func testRawRequestIsAnsweredRawThroughFrames() throws {
        var bytes: [UInt8] = []
        ProtobufCodec.encode(Request(id: 21, call: .predict(PredictRequest(
            modelSpec: ModelSpec(name: "kmeans"), inputs: [NamedTensor("input", irisRow.tensor)],
            tensorEncoding: .raw))), into: &bytes)
        let response = try dispatcher.roundTripFrame(bytes)
        XCTAssertEqual(response.id, 21)
        guard case .predict(let p)? = response.result else { return XCTFail("\(response.status)") }
        XCTAssertEqual(p.tensorEncoding, .raw)
        XCTAssertEqual(p.output(named: "scores")?.shape, [1, 3])
    }

    // MARK: NOT_FOUND, UNAVAILABLE

    func testUnknownModelVersionOrLabelIsNotFound() {
        assertFailure(dispatcher.predict(ModelSpec(name: "nope"), [irisRow]), .notFound, "nope")
        assertFailure(dispatcher.predict(ModelSpec(name: "kmeans", version: 7), [irisRow]), .notFound, "7")
        assertFailure(dispatcher.predict(ModelSpec(name: "kmeans", versionLabel: "canary"), [irisRow]), .notFound, "canary")
    }

    func testFailedOnlyModelIsUnavailable() {
        assertFailure(dispatcher.predict(ModelSpec(name: "broken"), [irisRow]), .unavailable, "broken")
    }

    func testMissingModelNameAndConflictingVersionChoiceAreInvalid() {
        assertFailure(dispatcher.predict(ModelSpec(name: ""), [irisRow]), .invalidArgument, "model_spec.name")
        assertFailure(dispatcher.predict(ModelSpec(name: "kmeans", version: 1, versionLabel: "stable"), [irisRow]),
                      .invalidArgument, "version", "stable")
    }

    // MARK: INVALID_ARGUMENT

    func testNaNIsRefusedNamingItsPositionUnlessTheModelTakesMissingValues() {
        let withNaN = NamedTensor("input", Tensor(shape: [2, 4], floats: [5.1, 3.5, 1.4, 0.2, 6.3, .nan, 6.0, 2.5]))
        assertFailure(dispatcher.predict(ModelSpec(name: "iris"), [withNaN]), .invalidArgument,
                      "input 'input' holds NaN at [1][1]", "model 'iris'", "accepts_missing_values")
        let doubleNaN = NamedTensor("input", Tensor(shape: [1, 2], doubles: [.nan, 1]))
        assertFailure(dispatcher.predict(ModelSpec(name: "linreg"), [doubleNaN]), .invalidArgument, "holds NaN at [0][0]")
        // kmeans's config says it takes missing values: the call runs.
        let taken = dispatcher.predict(ModelSpec(name: "kmeans"), [withNaN])
        XCTAssertEqual(taken.status.code, .ok, taken.status.message)
    }

    func testWrongShapeIsInvalidArgument() {
        let threeColumns = NamedTensor("input", Tensor(shape: [1, 3], floats: [1, 2, 3]))
        assertFailure(dispatcher.predict(ModelSpec(name: "kmeans"), [threeColumns]), .invalidArgument, "input")
    }

    func testWrongDtypeIsInvalidArgument() {
        let doubles = NamedTensor("input", Tensor(shape: [1, 4], doubles: [5.1, 3.5, 1.4, 0.2]))
        assertFailure(dispatcher.predict(ModelSpec(name: "kmeans"), [doubles]), .invalidArgument, "input")
    }

    func testUnknownAndMissingInputsAreInvalidArgument() {
        let misnamed = NamedTensor("features", irisRow.tensor)
        assertFailure(dispatcher.predict(ModelSpec(name: "kmeans"), [misnamed]), .invalidArgument,
                      "no input 'features'", "inputs: input")
        assertFailure(dispatcher.predict(ModelSpec(name: "kmeans"), []), .invalidArgument, "needs input 'input'")
    }

    func testUnknownOutputIsInvalidArgumentListingTheValidOnes() {
        assertFailure(dispatcher.predict(ModelSpec(name: "kmeans"), [irisRow], filter: ["scores", "distances"]),
                      .invalidArgument, "unknown output 'distances'", "outputs: label, scores")
    }

    func testBatchBeyondMaxBatchSizeIsInvalidArgument() {
        let rows = NamedTensor("input", Tensor(shape: [5000, 4], floats: Array(repeating: 1, count: 20000)))
        assertFailure(dispatcher.predict(ModelSpec(name: "kmeans"), [rows]), .invalidArgument)
        XCTAssertEqual(dispatcher.predict(ModelSpec(name: "kmeans"), [rows]).status.message,
                       "batch of 5000 rows exceeds max_batch_size 1000 of model 'kmeans'")
        let atLimit = NamedTensor("input", Tensor(shape: [1000, 4], floats: Array(repeating: 1, count: 4000)))
        XCTAssertEqual(dispatcher.predict(ModelSpec(name: "kmeans"), [atLimit]).status, .ok)
    }

    func testBadTensorInAFrameIsInvalidArgumentUnderTheRequestId() throws {
        // Shape [1, 4] but only three floats: rejected while decoding.
        var w = [UInt8]()
        func varint(_ v: Int) { var v = v; while v >= 0x80 { w.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }; w.append(UInt8(v)) }
        let tensor: [UInt8] = [0x08, 0x01, 0x12, 0x02, 0x01, 0x04, 0x1A, 0x0C] + [UInt8](repeating: 0, count: 12)
        let entry: [UInt8] = [0x0A, 0x05] + Array("input".utf8) + [0x12, UInt8(tensor.count)] + tensor
        let spec: [UInt8] = [0x0A, 0x06] + Array("kmeans".utf8)
        let predict: [UInt8] = [0x0A, UInt8(spec.count)] + spec + [0x12, UInt8(entry.count)] + entry
        w = [0x08, 0x2A, 0x12]  // id 42, field 2 (predict)
        varint(predict.count)
        w += predict
        let response = try dispatcher.roundTripFrame(w)
        XCTAssertEqual(response.id, 42)
        assertFailure(response, .invalidArgument, "'input'", "[1, 4]", "float_val has 3")
    }

    // MARK: DEADLINE_EXCEEDED

    func testExpiredDeadlineIsDeadlineExceeded() {
        let request = Request(id: 5, call: .predict(PredictRequest(modelSpec: ModelSpec(name: "kmeans"), inputs: [irisRow])))
        let response = dispatcher.handle(request, deadline: ContinuousClock.now.advanced(by: .milliseconds(-1)))
        XCTAssertEqual(response.id, 5)
        assertFailure(response, .deadlineExceeded, "kmeans")

        let later = dispatcher.handle(request, deadline: ContinuousClock.now.advanced(by: .seconds(60)))
        XCTAssertEqual(later.status, .ok)
    }

    func testTimeoutCountsFromFrameArrival() throws {
        var bytes: [UInt8] = []
        ProtobufCodec.encode(Request(id: 6, call: .predict(PredictRequest(
            modelSpec: ModelSpec(name: "kmeans"), inputs: [irisRow])), timeoutMs: 50), into: &bytes)
        // The frame handler's own first step, with the arrival backdated.
        let outcome = bytes.withUnsafeBytes {
            dispatcher.handleFrameInline($0, receivedAt: ContinuousClock.now.advanced(by: .seconds(-1)))
        }
        guard case .answered(let response) = outcome else { return XCTFail("an expired call is answered at once") }
        XCTAssertEqual(response.id, 6)
        assertFailure(response, .deadlineExceeded)
    }
}
