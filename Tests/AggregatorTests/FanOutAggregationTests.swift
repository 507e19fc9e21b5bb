@testable import Aggregator
import ModelRuntime
import Wire
import XCTest

final class FanOutAggregationTests: XCTestCase {
    private func member(_ name: String, label: String? = nil, positive: String? = nil) -> FanOutConfig.Member {
        FanOutConfig.Member(name: name, model: name, endpoint: nil, label: label ?? name, positiveLabel: positive,
                            timeout: .seconds(1), version: nil)
    }

    private func config(_ aggregate: FanOutConfig.Aggregate, _ members: [FanOutConfig.Member]) -> FanOutConfig {
        FanOutConfig(members: members, aggregate: aggregate, failure: .requireAll, poolSize: 1,
                     probabilityOutput: nil, labelOutput: "label")
    }

    /// A binary classifier's answer: `probabilities` [rows, 2] with labels, and `label`.
    private func binary(_ positive: [Float], labels: Tensor = Tensor(shape: [2], int64s: [0, 1])) -> PredictResponse {
        let p = positive.flatMap { [1 - $0, $0] }
        return PredictResponse(modelSpec: ModelSpec(name: "x"), outputs: [
            NamedTensor("label", Tensor(shape: [positive.count], int64s: positive.map { $0 > 0.5 ? 1 : 0 })),
            NamedTensor("probabilities", Tensor(shape: [positive.count, 2], floats: p)),
            NamedTensor("probabilities:labels", labels),
        ])
    }

    private func floats(_ outputs: [NamedTensor], _ name: String) -> [Float]? {
        if case .float(let v)? = outputs.last(where: { $0.name == name })?.tensor.storage { return v }
        return nil
    }

    private func strings(_ outputs: [NamedTensor], _ name: String) -> [String]? {
        if case .string(let v)? = outputs.last(where: { $0.name == name })?.tensor.storage { return v }
        return nil
    }

    func testBestLabelPicksTheHighestPositiveProbabilityPerRow() throws {
        let members = [member("a", label: "A"), member("b"), member("c")]
        let replies = [FanOutAggregation.Reply(member: members[0], response: binary([0.9, 0.1, 0.3])),
                       FanOutAggregation.Reply(member: members[1], response: binary([0.05, 0.8, 0.3])),
                       FanOutAggregation.Reply(member: members[2], response: binary([0.2, 0.7, 0.2]))]
        let out = try FanOutAggregation.combine(replies, config: config(.bestLabel, members))
        XCTAssertEqual(strings(out, "label"), ["A", "b", "A"], "a tie (row 3) goes to the member listed first")
        XCTAssertEqual(floats(out, "probability"), [0.9, 0.8, 0.3])
        XCTAssertEqual(floats(out, "b/probability"), [0.05, 0.8, 0.3])
        XCTAssertEqual(out.map(\.name), ["label", "probability", "a/probability", "b/probability", "c/probability"])
    }

    func testBestLabelPositiveLabelDefaultsToTheClassThatIsNotZeroOrFalse() throws {
        // Labels [1, 0]: the positive class is column 0.
        let flipped = PredictResponse(modelSpec: ModelSpec(name: "x"), outputs: [
            NamedTensor("p", Tensor(shape: [1, 2], floats: [0.7, 0.3])),
            NamedTensor("p:labels", Tensor(shape: [2], int64s: [1, 0])),
        ])
        let m = member("a")
        let p = try FanOutAggregation.probabilities(of: .init(member: m, response: flipped), config: config(.bestLabel, [m]))
        XCTAssertEqual(try FanOutAggregation.positiveColumn(p, reply: .init(member: m, response: flipped)), 0)

        let strings = binary([0.6], labels: Tensor(shape: [2], strings: ["no", "yes"]))
        let explicit = member("s", positive: "no")
        let out = try FanOutAggregation.combine([.init(member: explicit, response: strings)], config: config(.bestLabel, [explicit]))
        XCTAssertEqual(floats(out, "probability")?.first ?? -1, 0.4, accuracy: 1e-6)

        let missing = member("s", positive: "maybe")
        XCTAssertThrowsError(try FanOutAggregation.combine([.init(member: missing, response: strings)],
                                                           config: config(.bestLabel, [missing]))) { error in
            XCTAssertEqual((error as? WireError)?.code, .failedPrecondition)
            XCTAssertTrue("\(error)".contains("\"maybe\"") && "\(error)".contains("'s'"), "\(error)")
        }
    }

    func testBestLabelRejectsMembersWithDifferentRowCounts() {
        let members = [member("a"), member("b")]
        XCTAssertThrowsError(try FanOutAggregation.combine(
            [.init(member: members[0], response: binary([0.1, 0.2])), .init(member: members[1], response: binary([0.3]))],
            config: config(.bestLabel, members))) { error in
            XCTAssertTrue("\(error)".contains("rows"), "\(error)")
        }
    }

    func testCollectPrefixesOutputsWithTheMemberName() throws {
        let members = [member("a"), member("b")]
        let out = try FanOutAggregation.combine(
            [.init(member: members[0], response: binary([0.1])), .init(member: members[1], response: binary([0.9]))],
            config: config(.collect, members))
        XCTAssertEqual(out.map(\.name), ["a/label", "a/probabilities", "a/probabilities:labels",
                                         "b/label", "b/probabilities", "b/probabilities:labels"])
    }

    func testMeanAveragesProbabilitiesAndReportsTheArgmaxLabel() throws {
        let members = [member("a"), member("b")]
        let out = try FanOutAggregation.combine(
            [.init(member: members[0], response: binary([0.2, 0.9])), .init(member: members[1], response: binary([0.6, 0.7]))],
            config: config(.mean, members))
        let p = try XCTUnwrap(floats(out, "probabilities"))
        for (got, want) in zip(p, [Float(0.6), 0.4, 0.2, 0.8]) { XCTAssertEqual(got, want, accuracy: 1e-6) }
        guard case .int64(let labels)? = out.first(where: { $0.name == "label" })?.tensor.storage else {
            return XCTFail("no int64 label in \(out.map(\.name))")
        }
        XCTAssertEqual(labels, [0, 1])
        XCTAssertNotNil(out.first(where: { $0.name == "probabilities:labels" }))

        let odd = binary([0.1], labels: Tensor(shape: [2], int64s: [0, 2]))
        XCTAssertThrowsError(try FanOutAggregation.combine(
            [.init(member: members[0], response: binary([0.1])), .init(member: members[1], response: odd)],
            config: config(.mean, members))) { error in
            XCTAssertTrue("\(error)".contains("classes"), "\(error)")
        }
    }

    func testVoteTakesTheMajorityAndBreaksTiesByMemberOrder() throws {
        let members = [member("a"), member("b"), member("c")]
        func labels(_ v: [String]) -> PredictResponse {
            PredictResponse(modelSpec: ModelSpec(name: "x"), outputs: [NamedTensor("label", Tensor(shape: [v.count], strings: v))])
        }
        let out = try FanOutAggregation.combine(
            [.init(member: members[0], response: labels(["x", "x", "p"])),
             .init(member: members[1], response: labels(["y", "x", "q"])),
             .init(member: members[2], response: labels(["y", "z", "r"]))],
            config: config(.vote, members))
        XCTAssertEqual(strings(out, "label"), ["y", "x", "p"])
        guard case .int64(let votes)? = out.first(where: { $0.name == "votes" })?.tensor.storage else {
            return XCTFail("no votes")
        }
        XCTAssertEqual(votes, [2, 2, 1])

        let ints = try FanOutAggregation.combine(
            [.init(member: members[0], response: binary([0.9])), .init(member: members[1], response: binary([0.1])),
             .init(member: members[2], response: binary([0.8]))],
            config: config(.vote, members))
        guard case .int64(let winner)? = ints.first(where: { $0.name == "label" })?.tensor.storage else {
            return XCTFail("int64 labels stay int64")
        }
        XCTAssertEqual(winner, [1])
    }
}
