import Foundation
import Primitives
import Synchronization
import Transport
import Wire
import XCTest

/// The one long fan-out test: 64 clients for 10 s through the aggregator.
final class FanOutLoadTests: XCTestCase {
    func test64ConcurrentClientsFor10SecondsGetNoErrorsAndMemberConnectionsStayWithinThePool() throws {
        let topology = try FanOutTopology(testName: "load")
        defer { topology.stop() }

        let clients = 64
        let duration: Duration = .seconds(10)
        let calls = Atomic<Int>(0)
        let failures = Locked<[String]>([])
        let finished = DispatchGroup()
        let start = ContinuousClock.now
        let end = start.advanced(by: duration)

        for c in 0..<clients {
            finished.enter()
            let thread = Thread {
                defer { finished.leave() }
                do {
                    let client = try topology.aggregatorClient()
                    defer { client.close() }
                    var id: UInt64 = 1
                    while ContinuousClock.now < end {
                        let row = [Float(4.5 + Double(c % 30) * 0.1), 3.0, Float(1.0 + Double(id % 50) * 0.1), 1.0]
                        let response = try client.roundTrip(RequestFrames.predictIris(id: id, rows: [row], model: "iris-ovr-patient"))
                        if !response.status.isOK || response.id != id {
                            failures.withLock { $0.append("client \(c) call \(id): \(response.status)") }
                            break
                        }
                        calls.add(1, ordering: .relaxed)
                        id += 1
                    }
                } catch {
                    failures.withLock { $0.append("client \(c): \(error)") }
                }
            }
            thread.stackSize = 1 << 20
            thread.start()
        }

        // Sample the aggregator's established connections to each member while the load runs.
        var most = [0, 0, 0]
        while finished.wait(timeout: .now() + 0.2) == .timedOut {
            for (i, port) in topology.memberPorts.enumerated() {
                most[i] = max(most[i], FanOutTopology.establishedConnections(
                    fromProcess: topology.aggregator.process.processIdentifier, toPort: port))
            }
        }

        let errors = failures.withLock { $0 }
        XCTAssertTrue(errors.isEmpty, "\(errors.count) failure(s), first: \(errors.prefix(3))")
        XCTAssertGreaterThan(calls.load(ordering: .relaxed), clients, "every client made calls")
        for (i, species) in FanOutTopology.species.enumerated() {
            XCTAssertGreaterThan(most[i], 0, "\(species) was seen connected")
            XCTAssertLessThanOrEqual(most[i], FanOutTopology.poolSize,
                                     "\(species) saw \(most[i]) connections; the pool holds \(FanOutTopology.poolSize)")
        }
        if most.contains(where: { $0 > FanOutTopology.poolSize }) {
            print("aggregator log:\n" + topology.aggregator.standardError.split(separator: "\n")
                .filter { $0.contains("Aggregator") }.joined(separator: "\n"))
        }
                print("fan-out load: \(calls.load(ordering: .relaxed)) calls by \(clients) clients in \(duration); "
              + "most member connections: \(most)")
    }
}
