import SwerveTestSupport
import XCTest

/// A test class sharing one real broker across its tests (started once, the
/// slow part); each test uses queues of its own (`StreamQueues`).
class BrokerTestCase: XCTestCase {
    nonisolated(unsafe) private static var brokers: [ObjectIdentifier: Result<RabbitMQServerProcess, Error>] = [:]

    override class func setUp() {
        super.setUp()
        brokers[ObjectIdentifier(self)] = Result { try RabbitMQServerProcess() }
    }

    override class func tearDown() {
        brokers[ObjectIdentifier(self)] = nil
        super.tearDown()
    }

    /// The class's broker; a broker that did not start fails the test (never skips).
    func startedBroker() throws -> RabbitMQServerProcess {
        guard let result = Self.brokers[ObjectIdentifier(type(of: self))] else {
            throw RedisTestFailure("rabbitmq-server was not started for \(type(of: self))")
        }
        return try result.get()
    }
}
