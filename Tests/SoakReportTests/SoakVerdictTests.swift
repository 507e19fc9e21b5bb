import SoakReport
import XCTest

/// The soak's verdict on made-up runs: each rule passes a good run and fails
/// the run that breaks it.
final class SoakVerdictTests: XCTestCase {
    /// A run of `seconds` samples: flat figures, samples on time, a version
    /// removed every 20 s.
    private func soakRun(seconds: Int = 300, frontRSS: (Int) -> Double = { _ in 30_000 }, frontFDs: (Int) -> Double = { _ in 41 },
                         binaryErrors: (Int) -> Double = { _ in 0 },
                         lagMilliseconds: (Int) -> Double = { _ in 3 }) -> SoakSamples {
        var columns: [String: [Double]] = [:]
        var events: [String] = []
        for s in 1...seconds {
            for name in SoakSamples.numericColumns { columns[name, default: []].append(1000) }
            columns["second"]![s - 1] = Double(s)
            columns["front_rss_kb"]![s - 1] = frontRSS(s)
            columns["front_fds"]![s - 1] = frontFDs(s)
            columns["binary_errors"]![s - 1] = binaryErrors(s)
            columns["rest_errors"]![s - 1] = 0
            columns["sampler_lag_ms"]![s - 1] = lagMilliseconds(s)
            events.append(s % 20 == 0 ? "version-removed" : s % 20 == 10 ? "version-added" : "")
        }
        return SoakSamples(columns: columns, events: events)
    }

    private let cleanLoad = [BenchOutcome(target: "binary", ok: 1000, failed: 0, errors: [:], okByWorkload: ["predict": 1000])]

    private func failed(_ checks: [SoakCheck]) -> [String] { checks.filter { !$0.passed }.map(\.name) }

    func testAFlatCleanRunWithEveryJobCompletedPasses() {
        // RSS wobbles ±2% around a level: noise, not a trend.
        let samples = soakRun(frontRSS: { 30_000 + Double(($0 * 7919) % 1200) - 600 })
        let checks = SoakVerdict().checks(samples: samples, bench: cleanLoad, jobsAccepted: 500, jobsCompleted: 500)
        XCTAssertEqual(failed(checks), [], checks.map(\.detail).joined(separator: "\n"))
    }

    func testRSSGrowingFifteenPercentAfterTheWarmUpFails() {
        let samples = soakRun(frontRSS: { 30_000 * (1 + 0.15 * Double($0) / 300) })
        let checks = SoakVerdict().checks(samples: samples, bench: cleanLoad, jobsAccepted: 1, jobsCompleted: 1)
        XCTAssertEqual(failed(checks), ["front RSS"])
    }

    func testGrowthDuringTheWarmUpOnlyPasses() {
        // Doubles in the first 30 s (caches filling), flat after.
        let samples = soakRun(frontRSS: { 30_000 * (1 + min(Double($0), 30) / 30) })
        var verdict = SoakVerdict()
        verdict.warmupSeconds = 60
        XCTAssertEqual(failed(verdict.checks(samples: samples, bench: cleanLoad, jobsAccepted: 1, jobsCompleted: 1)), [])
    }

    func testADescriptorLeakOfOnePerMinuteFails() {
        let samples = soakRun(seconds: 1800, frontFDs: { 41 + Double($0 / 60) })
        XCTAssertEqual(failed(SoakVerdict().checks(samples: samples, bench: cleanLoad, jobsAccepted: 1, jobsCompleted: 1)),
                       ["front descriptors"])
    }

    func testUnavailableRightAfterARemovalPassesButAnyOtherErrorFails() {
        // Errors in the second of a removal (second 40) and 3 s after it.
        let drained = soakRun(binaryErrors: { $0 >= 43 ? 5 : $0 >= 40 ? 2 : 0 })
        let unavailable = [BenchOutcome(target: "binary", ok: 1000, failed: 5, errors: ["UNAVAILABLE": 5], okByWorkload: [:])]
        XCTAssertEqual(failed(SoakVerdict().checks(samples: drained, bench: unavailable, jobsAccepted: 1, jobsCompleted: 1)), [])

        let timeouts = [BenchOutcome(target: "binary", ok: 1000, failed: 5, errors: ["UNAVAILABLE": 3, "TIMEOUT": 2], okByWorkload: [:])]
        let checks = SoakVerdict().checks(samples: drained, bench: timeouts, jobsAccepted: 1, jobsCompleted: 1)
        XCTAssertEqual(failed(checks), ["error codes"])
        XCTAssertTrue(checks.first { $0.name == "error codes" }!.detail.contains("2 TIMEOUT (binary)"))
    }

    func testErrorsAwayFromAnyRemovalFailEvenWhenUnavailable() {
        // Second 30 is a version being added, 10 s after the last removal.
        let samples = soakRun(binaryErrors: { $0 >= 30 ? 1 : 0 })
        let unavailable = [BenchOutcome(target: "binary", ok: 1000, failed: 1, errors: ["UNAVAILABLE": 1], okByWorkload: [:])]
        let checks = SoakVerdict().checks(samples: samples, bench: unavailable, jobsAccepted: 1, jobsCompleted: 1)
        XCTAssertEqual(failed(checks), ["error timing"])
        XCTAssertTrue(checks.first { $0.name == "error timing" }!.detail.contains("30"))
    }

    func testErrorsRightAfterAMachineStallAreReportedButDoNotFail() {
        // The sampler ran 8 s late at second 33 (the whole machine stood
        // still); fan-out deadlines passed meanwhile, counted at second 35.
        let samples = soakRun(binaryErrors: { $0 >= 35 ? 843 : 0 }, lagMilliseconds: { $0 == 33 ? 8100 : 3 })
        let timeouts = [BenchOutcome(target: "binary", ok: 1000, failed: 843, errors: ["UNAVAILABLE": 843], okByWorkload: [:])]
        let checks = SoakVerdict().checks(samples: samples, bench: timeouts, jobsAccepted: 1, jobsCompleted: 1)
        XCTAssertEqual(failed(checks), [])
        let timing = checks.first { $0.name == "error timing" }!.detail
        XCTAssertTrue(timing.contains("machine stalled") && timing.contains("longest 8.1 s") && timing.contains("843 error(s) then"), timing)

        // The same errors 17 s after the stall (and 10 s after a removal) are swerve's own.
        let later = soakRun(binaryErrors: { $0 >= 50 ? 843 : 0 }, lagMilliseconds: { $0 == 33 ? 8100 : 3 })
        XCTAssertEqual(failed(SoakVerdict().checks(samples: later, bench: timeouts, jobsAccepted: 1, jobsCompleted: 1)), ["error timing"])
    }

    func testAJobNotCompletedFailsAndNoJobsAtAllFails() {
        let samples = soakRun()
        XCTAssertEqual(failed(SoakVerdict().checks(samples: samples, bench: cleanLoad, jobsAccepted: 500, jobsCompleted: 499)), ["jobs"])
        XCTAssertEqual(failed(SoakVerdict().checks(samples: samples, bench: cleanLoad, jobsAccepted: 0, jobsCompleted: 0)), ["jobs"])
    }

    func testTooShortARunForTheWarmUpFailsTheFlatnessChecks() {
        let samples = soakRun(seconds: 50)
        let names = failed(SoakVerdict().checks(samples: samples, bench: cleanLoad, jobsAccepted: 1, jobsCompleted: 1))
        XCTAssertEqual(names, ["front RSS", "front descriptors", "member RSS", "member descriptors"])
    }

    func testTrendLineFitsAStraightLineExactly() throws {
        let line = try XCTUnwrap(TrendLine(x: [0, 1, 2, 3], y: [10, 12, 14, 16]))
        XCTAssertEqual(line.slope, 2, accuracy: 1e-12)
        XCTAssertEqual(line.intercept, 10, accuracy: 1e-12)
        XCTAssertEqual(line.relativeRise(from: 0, to: 3), 0.6, accuracy: 1e-12)
        XCTAssertNil(TrendLine(x: [1, 1], y: [1, 2]))
        XCTAssertNil(TrendLine(x: [1], y: [1]))
    }
}
