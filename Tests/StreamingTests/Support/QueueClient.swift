import Foundation
import Streaming
import XCTest

/// A test's own broker connections: publish raw messages, read a queue.
final class QueueClient {
    let publisher: AMQPConnection
    private let url: BrokerURL

    init(_ url: String) throws {
        self.url = try BrokerURL(url)
        publisher = try AMQPConnection(self.url)
        try publisher.enableConfirms()
    }

    /// Publishes (declaring the queue) and waits for the broker's confirm.
    func publish(_ queue: String, _ text: String, contentType: String? = "application/json") throws {
        try publisher.declareQueue(queue)
        try publisher.publish(queue, Array(text.utf8), contentType: contentType)
        try publisher.waitForConfirms()
    }

    /// Takes (and acks) messages from `queue` until `count` arrived or the
    /// deadline passed.
    func take(_ queue: String, count: Int, timeout: TimeInterval = 30) throws -> [Delivery] {
        let consumer = try AMQPConnection(url)
        defer { consumer.close() }
        try consumer.declareQueue(queue)
        try consumer.consume(queue)
        var taken: [Delivery] = []
        let deadline = Date().addingTimeInterval(timeout)
        while taken.count < count && Date() < deadline {
            if let delivery = try consumer.nextDelivery(timeout: .milliseconds(200)) {
                taken.append(delivery)
                try consumer.ack(delivery.tag)
            }
        }
        return taken
    }
}
