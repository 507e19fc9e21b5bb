import Logging

/// `swerve stream metrics`: joins `features/Y_true` and `predictions/Y_pred`
/// by id, whichever comes first, appends `id,y_true,y_pred,error` to the CSV,
/// and acks both halves only after the row is on disk. Halves that wait past
/// the join timeout or beyond `maxPending` go to `<queue>.dead`.
public final class MetricsService {
    public struct Options: Sendable {
        public var broker: BrokerOptions
        public var csvPath: String
        public var joinTimeout: Duration = .seconds(60)
        public var maxPending = 100_000
        public var dedupeWindow = 1_000_000
        public var yTrueQueue = "features/Y_true"
        public var yPredQueue = "predictions/Y_pred"

        public init(broker: BrokerOptions, csvPath: String) {
            self.broker = broker
            self.csvPath = csvPath
        }
    }

    private let options: Options
    private let logger: Logger
    private let stop: StopSignal
    private let csv: MetricsCSV
    public let statistics = StreamStatistics(service: "metrics")

    /// Opens the CSV (a file problem is reported here, before any broker work).
    public init(_ options: Options, logger: Logger, stop: StopSignal) throws(StreamError) {
        self.options = options
        self.logger = logger
        self.stop = stop
        csv = try MetricsCSV(path: options.csvPath, dedupeWindow: options.dedupeWindow, logger: logger)
    }

    /// The prefetch that lets `maxPending` halves wait without stalling the
    /// consumers (AMQP's prefetch is 16 bits; 0 means unlimited).
    static func prefetch(maxPending: Int) -> Int {
        let wanted = maxPending + 1024
        return wanted > 65_535 ? 0 : wanted
    }

    /// Runs until stopped.
    public func run() {
        BrokerSession.run(options.broker, stop: stop, logger: logger, statistics: statistics) { () throws(StreamError) in
            let queues = [options.yTrueQueue, options.yPredQueue]
            let consumer = try BrokerSession.connect(options.broker, declaring: queues, confirms: false)
            defer { consumer.close() }
            let publisher = try BrokerSession.connect(options.broker, declaring: queues, confirms: true)
            defer { publisher.close() }
            try consumer.setPrefetch(Self.prefetch(maxPending: options.maxPending))
            try consumer.consume(options.yTrueQueue)
            try consumer.consume(options.yPredQueue)
            logger.info("joining \(options.yTrueQueue) and \(options.yPredQueue) into \(options.csvPath)")
            // Unacked halves belong to this channel: a new session starts empty
            // and the broker delivers them again.
            var join = JoinTable()
            var deadLetters = DeadLetters()
            var acks: [UInt64] = []
            var rowsInLog = 0
            while !stop.isSet {
                var taken = 0
                var timeout = Duration.milliseconds(100)
                while taken < 1024, let delivery = try consumer.nextDelivery(timeout: timeout) {
                    timeout = .zero
                    taken += 1
                    take(delivery, join: &join, deadLetters: &deadLetters, acks: &acks)
                }
                for (half, reason) in join.evict(now: .now, timeout: options.joinTimeout, maxPending: options.maxPending) {
                    deadLetters.add(half.delivery, reason: reason)
                    acks.append(half.delivery.tag)
                }
                let rows = csv.unflushedRows
                try csv.flush()
                if !deadLetters.isEmpty {
                    try deadLetters.publish(on: publisher, logger: logger, statistics: statistics)
                    try publisher.waitForConfirms()
                }
                for tag in acks { try consumer.ack(tag) }
                let acked = acks.count
                acks.removeAll(keepingCapacity: true)
                let pending = join.pendingCount
                statistics.update { $0.rowsWritten += rows; $0.acked += acked; $0.joinPending = pending }
                rowsInLog += rows
                if rowsInLog >= 1000 {
                    logger.info("\(statistics.snapshot.rowsWritten) rows written, \(pending) halves waiting")
                    rowsInLog = 0
                }
            }
        }
    }

    private func take(_ delivery: Delivery, join: inout JoinTable, deadLetters: inout DeadLetters, acks: inout [UInt64]) {
        statistics.update { $0.consumed += 1; if delivery.redelivered { $0.redelivered += 1 } }
        let id: MessageID
        let side: JoinTable.Side
        let half: JoinTable.Half
        do throws(StreamError) {
            if delivery.queue == options.yTrueQueue {
                let m = try StreamMessages.truth(delivery)
                (id, side) = (m.id, .truth)
                half = JoinTable.Half(delivery: delivery, value: m.yTrue, timestamp: m.timestamp, arrived: .now)
            } else {
                let m = try StreamMessages.prediction(delivery)
                (id, side) = (m.id, .prediction)
                half = JoinTable.Half(delivery: delivery, value: m.yPred, timestamp: m.timestamp, arrived: .now)
            }
        } catch {
            deadLetters.add(delivery, reason: error.description)
            acks.append(delivery.tag)
            return
        }
        if csv.contains(id) {
            acks.append(delivery.tag)  // its row is already on disk
            return
        }
        switch join.offer(id, side, half) {
        case .joined(let truth, let prediction):
            csv.append(id: id, yTrue: truth.value, yPred: prediction.value)
            acks.append(truth.delivery.tag)
            acks.append(prediction.delivery.tag)
            if let ts = prediction.timestamp ?? truth.timestamp {
                statistics.observeLatency(FeaturesService.wallClock() - ts)
            }
        case .duplicate:
            acks.append(delivery.tag)
        case .waiting:
            break
        }
    }
}
