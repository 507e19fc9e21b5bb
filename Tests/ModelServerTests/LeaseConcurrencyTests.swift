import Primitives
import SwerveTestSupport
import Foundation
import ModelServer
import Synchronization
import XCTest

/// Many threads acquiring and releasing while the repository reloads.
final class LeaseConcurrencyTests: XCTestCase {
    func testConcurrentAcquireAndReleaseDuringReloads() throws {
        let fixture = try RepositoryFixture()
        try fixture.addVersion("m", 1)
        try fixture.addVersion("m", 2)
        try fixture.writeConfig("m", #"{"version_policy": {"all": true}, "version_labels": {"stable": 1}}"#)
        let repository = fixture.repository()
        try repository.start()
        defer { repository.stop() }

        let stop = Atomic<Bool>(false)
        let served = Atomic<Int>(0)
        let refused = Atomic<Int>(0)
        let unexpected = Locked<[String]>([])
        let seen = Locked<[ObjectIdentifier: ServableVersion]>([:])
        let group = DispatchGroup()
        for worker in 0..<8 {
            group.enter()
            Thread {
                defer { group.leave() }
                var i = 0
                while !stop.load(ordering: .relaxed) {
                    i += 1
                    let version: Int64? = (i + worker) % 3 == 0 ? 2 : nil
                    let label: String? = (i + worker) % 5 == 0 && version == nil ? "stable" : nil
                    do {
                        let lease = try repository.acquire(name: "m", version: version, label: label)
                        if lease.servable.inFlightCount < 1 {
                            unexpected.withLock { $0.append("in-flight count \(lease.servable.inFlightCount) while leased") }
                        }
                        seen.withLock { $0[ObjectIdentifier(lease.servable)] = lease.servable }
                        _ = lease.servable.model.inputs.count
                        lease.release()
                        served.add(1, ordering: .relaxed)
                    } catch let error as ModelServerError {
                        // Version 2 or the label's version may be between removal and re-adding.
                        if error.kind == .unavailable || error.kind == .notFound {
                            refused.add(1, ordering: .relaxed)
                        } else {
                            unexpected.withLock { $0.append(error.message) }
                        }
                    } catch {
                        unexpected.withLock { $0.append("\(error)") }
                    }
                }
            }.start()
        }

        // Churn while the workers run: remove and re-add version 2, rewrite
        // version 1, move the label.
        waitUntil("the workers to start") { served.load(ordering: .relaxed) > 100 }
        for round in 0..<40 {
            switch round % 4 {
            case 0: try fixture.remove("m/2")
            case 1: try fixture.addVersion("m", 2, "ok\(round)")
            case 2: try fixture.addVersion("m", 1, "ok\(round)")
            default: try fixture.writeConfig("m", #"{"version_policy": {"all": true}, "version_labels": {"stable": \#(round % 2 + 1)}}"#)
            }
            repository.reload()
        }
        stop.store(true, ordering: .relaxed)
        XCTAssertEqual(group.wait(timeout: .now() + 30), .success)

        XCTAssertEqual(unexpected.withLock { $0 }, [])
        XCTAssertGreaterThan(served.load(ordering: .relaxed), 0)
        // Every lease was released: no instance counts a call, and every version
        // taken out of service has ended.
        for servable in seen.withLock({ Array($0.values) }) {
            XCTAssertEqual(servable.inFlightCount, 0, "version \(servable.version)")
        }
        XCTAssertFalse(states(repository, "m").values.contains(.unloading), "\(states(repository, "m"))")
        repository.reload()
        XCTAssertEqual(states(repository, "m")[1], .available)
    }

    func testDoubleReleaseDoesNotUnderflow() throws {
        // Releasing twice is a programmer error (asserted in debug builds), so
        // only the counting is checked here through a balanced sequence.
        let fixture = try RepositoryFixture()
        try fixture.addVersion("m", 1)
        let repository = fixture.repository()
        try repository.start()
        defer { repository.stop() }
        let leases = try (0..<100).map { _ in try repository.acquire(name: "m", version: nil, label: nil) }
        XCTAssertEqual(leases[0].servable.inFlightCount, 100)
        DispatchQueue.concurrentPerform(iterations: 100) { leases[$0].release() }
        XCTAssertEqual(leases[0].servable.inFlightCount, 0)
    }
}
