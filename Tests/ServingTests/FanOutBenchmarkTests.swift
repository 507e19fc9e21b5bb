import Foundation
import Primitives
import Transport
import Wire
import XCTest

/// A measurement, not a test: skipped unless SWERVE_FANOUT_BENCH is set.
/// Starts the fan-out topology (with the `swerve` binary SWERVE_BINARY, e.g. a
/// release build) and measures closed-loop throughput and latency of Predict
/// on `iris-ovr` (fan-out over three member processes) beside direct Predict
/// on `iris` in the same aggregator process and on one member directly.
/// Results go to standard output; BENCHMARKS-fanout.md records them.
///
///     swift build -c release --product swerve
///     SWERVE_FANOUT_BENCH=1 SWERVE_BINARY=$PWD/.build/release/swerve \
///       swift test --skip-build --filter FanOutBenchmarkTests
///
/// Optional: SWERVE_FANOUT_BENCH_CLIENTS (default 64), SWERVE_FANOUT_BENCH_SECONDS (default 10).
final class FanOutBenchmarkTests: XCTestCase {
    func testMeasureFanOutBesideDirectPredict() throws {
        let environment = ProcessInfo.processInfo.environment
        guard environment["SWERVE_FANOUT_BENCH"] != nil else {
            throw XCTSkip("set SWERVE_FANOUT_BENCH=1 to measure fan-out throughput and latency")
        }
        let clients = Int(environment["SWERVE_FANOUT_BENCH_CLIENTS"] ?? "") ?? 64
        let seconds = Int(environment["SWERVE_FANOUT_BENCH_SECONDS"] ?? "") ?? 10
        let topology = try FanOutTopology(testName: "bench")
        defer { topology.stop() }
        let dataset = try IrisDataset.load()

        let runs: [(String, Int, String)] = [
            ("direct iris (aggregator process)", topology.aggregator.port, "iris"),
            ("direct iris-setosa (member process)", topology.memberPorts[0], "iris-setosa"),
            ("fan-out iris-ovr (3 remote members)", topology.aggregator.port, "iris-ovr"),
        ]
        print("fan-out benchmark: \(clients) closed-loop clients, one row per call, \(seconds) s per run, "
              + "binary \(FanOutTopology.binaryDescription)")
        for (title, port, model) in runs {
            _ = try measure(port: port, model: model, clients: clients, seconds: 1, rows: dataset.rows) // warm-up
            let r = try measure(port: port, model: model, clients: clients, seconds: seconds, rows: dataset.rows)
            XCTAssertEqual(r.errors, 0, "\(title): \(r.firstError ?? "")")
            print(String(format: "%@: %d calls, %.0f calls/s, p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, max %.3f ms, errors %d",
                         title, r.calls, r.throughput, r.p50, r.p90, r.p99, r.max, r.errors))
        }
    }

    private struct Measurement {
        var calls: Int
        var throughput: Double
        var p50: Double, p90: Double, p99: Double, max: Double
        var errors: Int
        var firstError: String?
    }

    private func measure(port: Int, model: String, clients: Int, seconds: Int, rows: [[Float]]) throws -> Measurement {
        let latencies = Locked<[UInt64]>([])
        let errors = Locked<[String]>([])
        let finished = DispatchGroup()
        let start = ContinuousClock.now
        let end = start.advanced(by: .seconds(seconds))
        for c in 0..<clients {
            finished.enter()
            let thread = Thread {
                defer { finished.leave() }
                var mine: [UInt64] = []
                mine.reserveCapacity(100_000)
                do {
                    let client = try BlockingFrameClient(host: "127.0.0.1", port: port, connectTimeout: .seconds(10),
                                                         ioTimeout: .seconds(30))
                    defer { client.close() }
                    var id: UInt64 = 1
                    while ContinuousClock.now < end {
                        let request = RequestFrames.payload(
                            RequestFrames.predictIris(id: id, rows: [rows[(c * 7 + Int(id)) % rows.count]], model: model))
                        let sent = DispatchTime.now().uptimeNanoseconds
                        let response = try RequestFrames.decode(client.call(request))
                        mine.append(DispatchTime.now().uptimeNanoseconds - sent)
                        if !response.status.isOK {
                            errors.withLock { $0.append("\(response.status)") }
                            break
                        }
                        id += 1
                    }
                } catch {
                    errors.withLock { $0.append("\(error)") }
                }
                latencies.withLock { $0 += mine }
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        finished.wait()
        let elapsed = start.duration(to: .now)
        let sorted = latencies.withLock { $0 }.sorted()
        func percentile(_ p: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            return Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) / 1e6
        }
        let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let failures = errors.withLock { $0 }
        return Measurement(calls: sorted.count, throughput: Double(sorted.count) / wall,
                           p50: percentile(0.5), p90: percentile(0.9), p99: percentile(0.99),
                           max: Double(sorted.last ?? 0) / 1e6, errors: failures.count, firstError: failures.first)
    }
}
