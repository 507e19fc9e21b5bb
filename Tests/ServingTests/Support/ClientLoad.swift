import Foundation
import Synchronization
import Transport

/// Load from many swerve-protocol clients at once: `clients` threads, each
/// with its own connection, calling in a loop until `duration` has passed.
/// A client stops at its first failure; every failure is kept.
final class ClientLoad: @unchecked Sendable {
    private let calls = Atomic<Int>(0)
    private let failures = Mutex<[String]>([])
    private let finished = DispatchGroup()

    /// Starts the clients. `connect(c)` opens client `c`'s connection;
    /// `call(connection, c, id)` makes its call number `id` (from 1) and
    /// returns nil, or what was wrong with the answer.
    init(clients: Int, duration: Duration,
         connect: @escaping (Int) throws -> BlockingFrameClient,
         call: @escaping (BlockingFrameClient, Int, UInt64) throws -> String?) {
        let end = ContinuousClock.now.advanced(by: duration)
        for c in 0..<clients {
            finished.enter()
            let thread = Thread { [self] in
                defer { finished.leave() }
                do {
                    let connection = try connect(c)
                    defer { connection.close() }
                    var id: UInt64 = 1
                    while ContinuousClock.now < end {
                        if let problem = try call(connection, c, id) {
                            failures.withLock { $0.append("client \(c) call \(id): \(problem)") }
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
    }

    /// Waits up to `timeout` for every client to finish; false if some still run.
    func wait(timeout: DispatchTime) -> Bool { finished.wait(timeout: timeout) == .success }

    /// Calls answered correctly so far.
    var callCount: Int { calls.load(ordering: .relaxed) }

    /// What went wrong, one line per failed client.
    var failureList: [String] { failures.withLock { $0 } }
}
