import Logging

/// The broker side every service shares: queue names, the retry period and
/// the reconnect loop.
public struct BrokerOptions: Sendable {
    public var url: BrokerURL
    /// Seconds between connection attempts (the seed's 2 s).
    public var retry: Duration

    public init(url: BrokerURL, retry: Duration = .seconds(2)) {
        self.url = url
        self.retry = retry
    }
}

enum BrokerSession {
    /// Runs `session` until it returns (stopped or finished). A broker error
    /// drops everything the session held unacked (the broker redelivers it),
    /// waits `retry` and runs it again on fresh connections.
    static func run(_ options: BrokerOptions, stop: StopSignal, logger: Logger, statistics: StreamStatistics,
                    _ session: () throws(StreamError) -> Void) {
        var attempt = 0
        while !stop.isSet {
            do {
                try session()
                return
            } catch {
                attempt += 1
                statistics.update { $0.reconnects += 1 }
                logger.warning("broker \(options.url): \(error); retrying in \(options.retry) (attempt \(attempt))")
                stop.wait(options.retry)
            }
        }
    }

    /// A connection with `queues` declared (and their `.dead` queues), and
    /// confirms on when it will publish.
    static func connect(_ options: BrokerOptions, declaring queues: [String], confirms: Bool) throws(StreamError) -> AMQPConnection {
        let connection = try AMQPConnection(options.url)
        for queue in queues {
            try connection.declareQueue(queue)
            try connection.declareQueue(queue + ".dead")
        }
        if confirms { try connection.enableConfirms() }
        return connection
    }
}

/// Dead letters: a message that cannot be used goes to `<queue>.dead` with
/// the reason in the `x-swerve-reason` header, confirmed before the original
/// is acked.
struct DeadLetters {
    private(set) var pending: [(queue: String, body: [UInt8], reason: String)] = []

    mutating func add(_ delivery: Delivery, reason: String) {
        pending.append((delivery.queue, delivery.body, reason))
    }

    var isEmpty: Bool { pending.isEmpty }

    /// Publishes every pending dead letter (the caller waits for confirms).
    mutating func publish(on connection: AMQPConnection, logger: Logger, statistics: StreamStatistics) throws(StreamError) {
        for letter in pending {
            try connection.publish(letter.queue + ".dead", letter.body,
                                   headers: [("x-swerve-reason", letter.reason), ("x-swerve-queue", letter.queue)])
            logger.warning("dead-lettered a message from \(letter.queue): \(letter.reason)")
        }
        let count = pending.count
        statistics.update { $0.deadLettered += count }
        pending.removeAll(keepingCapacity: true)
    }
}
