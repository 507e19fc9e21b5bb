@testable import Streaming
import TextFormats
import XCTest

/// Reading the pipeline's messages: values that do not fit are refused, and
/// what swerve writes reads back the same (the fuzz target's oracle).
final class StreamMessagesTests: XCTestCase {
    private func delivery(_ body: String) -> Delivery {
        Delivery(tag: 1, queue: "features/X", body: Array(body.utf8), contentType: "application/json", redelivered: false)
    }

    func testFeatureValuesTooLargeForFloatAreRefusedNamingTheElement() {
        XCTAssertThrowsError(try StreamMessages.feature(delivery(#"{"id": 1, "x": [1.5, 1e999]}"#))) { error in
            XCTAssertTrue("\(error)".contains("\"x\"[1] is 1e999, which does not fit in float"), "\(error)")
        }
        XCTAssertThrowsError(try StreamMessages.truth(delivery(#"{"id": 1, "y_true": -2e308}"#))) { error in
            XCTAssertTrue("\(error)".contains("\"y_true\" is -2e308, which does not fit in double"), "\(error)")
        }
        XCTAssertThrowsError(try StreamMessages.prediction(delivery(#"{"id": 1, "y_pred": 1, "ts": 1e400}"#))) { error in
            XCTAssertTrue("\(error)".contains("\"ts\" is 1e400"), "\(error)")
        }
    }

    func testAWrittenFeatureMessageReadsBackTheSame() throws {
        let message = try StreamMessages.feature(delivery(#"{"id": "a-7", "x": [5.1, -3.4e38, 1e-999], "ts": 1733230000.5}"#))
        var writer = JSONWriter()
        StreamMessages.write(message, into: &writer)
        let echoed = try StreamMessages.feature(Delivery(tag: 2, queue: "features/X", body: writer.bytes,
                                                         contentType: nil, redelivered: false))
        XCTAssertEqual(echoed.id, message.id)
        XCTAssertEqual(echoed.x, message.x)
        XCTAssertEqual(echoed.timestamp, message.timestamp)
    }
}
