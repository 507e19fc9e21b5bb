// XCTest is found only when tests build; `swift build -c release` builds
// this target too, without it.
#if canImport(XCTest)
import Foundation
import XCTest

/// Polls `condition` until it holds, failing the test (at the caller's line)
/// if it still does not after `timeout` seconds (stretched by
/// ``TestTiming/scale``). The short sleep only paces the poll; the deadline
/// decides.
public func waitUntil(_ what: @autoclosure () -> String, timeout: TimeInterval = 30,
                      file: StaticString = #filePath, line: UInt = #line,
                      _ condition: () throws -> Bool) rethrows {
    let deadline = Date(timeIntervalSinceNow: TestTiming.scaled(timeout))
    while Date() < deadline {
        if try condition() { return }
        usleep(2_000)
    }
    if try condition() { return }
    XCTFail("timed out after \(TestTiming.scaled(timeout)) s waiting until \(what())", file: file, line: line)
}
#endif
