import ModelRuntime
@testable import ModelServer
import XCTest

final class WarmUpTests: XCTestCase {
    func testFeedsAreOneRowOfZeros() throws {
        let feeds = try Model.warmUpFeeds(for: [
            ValueInfo(name: "f", type: .tensor(.float, shape: [.symbolic("N"), .fixed(4)])),
            ValueInfo(name: "s", type: .tensor(.string, shape: [.symbolic(""), .fixed(2)])),
            ValueInfo(name: "i", type: .tensor(.int64, shape: nil)),
            ValueInfo(name: "b", type: .tensor(.bool, shape: [.fixed(1), .symbolic("K")])),
        ])
        XCTAssertEqual(feeds["f"]?.shape, [1, 4])
        if case .float(let v)? = feeds["f"]?.storage { XCTAssertEqual(v, [0, 0, 0, 0]) } else { XCTFail() }
        XCTAssertEqual(feeds["s"]?.shape, [1, 2])
        if case .string(let v)? = feeds["s"]?.storage { XCTAssertEqual(v, ["", ""]) } else { XCTFail() }
        XCTAssertEqual(feeds["i"]?.shape, [1])
        XCTAssertEqual(feeds["b"]?.shape, [1, 1])
    }

    func testInputsWarmUpCannotBuildAreRefused() {
        XCTAssertThrowsError(try Model.warmUpFeeds(for: [
            ValueInfo(name: "m", type: .sequenceOfMaps(key: .string, value: .float)),
        ])) { error in
            XCTAssertTrue((error as? ModelError)?.message.contains("input 'm' is not a tensor") == true)
        }
        XCTAssertThrowsError(try Model.warmUpFeeds(for: [
            ValueInfo(name: "huge", type: .tensor(.float, shape: [.fixed(1 << 20), .fixed(1 << 20)])),
        ]))
    }

    func testTestModelsBehave() throws {
        XCTAssertNoThrow(try RepositoryFixture.identityModel().warmUp())
        XCTAssertThrowsError(try RepositoryFixture.failingModel().warmUp())
    }
}
