import Foundation
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
        let load = ClientLoad(clients: clients, duration: duration, connect: { _ in try topology.aggregatorClient() }) { client, c, id in
            let row = [Float(4.5 + Double(c % 30) * 0.1), 3.0, Float(1.0 + Double(id % 50) * 0.1), 1.0]
            let response = try client.roundTrip(RequestFrames.predictIris(id: id, rows: [row], model: "iris-ovr-patient"))
            return response.status.isOK && response.id == id ? nil : "\(response.status)"
        }

        // Sample the aggregator's established connections to each member while the load runs.
        var most = [0, 0, 0]
        while !load.wait(timeout: .now() + 0.2) {
            for (i, port) in topology.memberPorts.enumerated() {
                most[i] = max(most[i], FanOutTopology.establishedConnections(
                    fromProcess: topology.aggregator.process.processIdentifier, toPort: port))
            }
        }

        let errors = load.failureList
        XCTAssertTrue(errors.isEmpty, "\(errors.count) failure(s), first: \(errors.prefix(3))")
        XCTAssertGreaterThan(load.callCount, clients, "every client made calls")
        for (i, species) in FanOutTopology.species.enumerated() {
            XCTAssertGreaterThan(most[i], 0, "\(species) was seen connected")
            XCTAssertLessThanOrEqual(most[i], FanOutTopology.poolSize,
                                     "\(species) saw \(most[i]) connections; the pool holds \(FanOutTopology.poolSize)")
        }
        if most.contains(where: { $0 > FanOutTopology.poolSize }) {
            print("aggregator log:\n" + topology.aggregator.standardError.split(separator: "\n")
                .filter { $0.contains("Aggregator") }.joined(separator: "\n"))
        }
        print("fan-out load: \(load.callCount) calls by \(clients) clients in \(duration); "
              + "most member connections: \(most)")
    }
}
