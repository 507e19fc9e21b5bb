import Logging
import ModelRuntime
import ModelServer
import TextFormats

/// `swerve stream model`: consumes `features/X`, runs what has arrived (up
/// to `maxBatch`) as one batch through the model repository (a new version
/// takes over without a restart), publishes each prediction to
/// `predictions/Y_pred`, and acks the batch once every prediction is confirmed.
/// Several instances may consume the same queue.
public final class ModelService {
    public struct Options: Sendable {
        public var broker: BrokerOptions
        public var model: String
        public var prefetch = 256
        public var maxBatch = 256
        public var xQueue = "features/X"
        public var yPredQueue = "predictions/Y_pred"

        public init(broker: BrokerOptions, model: String) {
            self.broker = broker
            self.model = model
        }
    }

    private let options: Options
    private let repository: ModelRepository
    private let logger: Logger
    private let stop: StopSignal
    public let statistics = StreamStatistics(service: "model")

    public init(_ options: Options, repository: ModelRepository, logger: Logger, stop: StopSignal) {
        self.options = options
        self.repository = repository
        self.logger = logger
        self.stop = stop
    }

    /// Runs until stopped.
    public func run() {
        BrokerSession.run(options.broker, stop: stop, logger: logger, statistics: statistics) { () throws(StreamError) in
            let consumer = try BrokerSession.connect(options.broker, declaring: [options.xQueue], confirms: false)
            defer { consumer.close() }
            let publisher = try BrokerSession.connect(options.broker, declaring: [options.yPredQueue, options.xQueue], confirms: true)
            defer { publisher.close() }
            try consumer.setPrefetch(options.prefetch)
            try consumer.consume(options.xQueue)
            logger.info("consuming \(options.xQueue), model \(options.model), publishing to \(options.yPredQueue)")
            var batch: [Delivery] = []
            var writer = JSONWriter(capacity: 256)
            var deadLetters = DeadLetters()
            while !stop.isSet {
                batch.removeAll(keepingCapacity: true)
                guard let first = try consumer.nextDelivery(timeout: .milliseconds(200)) else { continue }
                batch.append(first)
                while batch.count < options.maxBatch, let more = try consumer.nextDelivery(timeout: .zero) {
                    batch.append(more)
                }
                let redelivered = batch.reduce(0) { $0 + ($1.redelivered ? 1 : 0) }
                let consumed = batch.count
                statistics.update { $0.consumed += consumed; $0.redelivered += redelivered }
                let published = try predict(batch, publisher: publisher, writer: &writer, deadLetters: &deadLetters)
                try deadLetters.publish(on: publisher, logger: logger, statistics: statistics)
                try publisher.waitForConfirms()
                // Everything consumed so far on this channel is now done.
                try consumer.ack(batch[batch.count - 1].tag, multiple: true)
                statistics.update { $0.published += published; $0.acked += consumed }
            }
        }
    }

    /// Runs the decodable messages as one batch and publishes their
    /// predictions; returns how many were published. A model that is not
    /// available is a broker-level retry (nothing is acked, so nothing is lost).
    private func predict(_ batch: [Delivery], publisher: AMQPConnection, writer: inout JSONWriter,
                         deadLetters: inout DeadLetters) throws(StreamError) -> Int {
        let lease: ServableLease
        do {
            lease = try repository.acquire(name: options.model, version: nil, label: nil)
        } catch {
            throw StreamError("model '\(options.model)' cannot run: \(error)")
        }
        defer { lease.release() }
        let model = lease.servable.model
        guard let input = model.inputs.first, model.inputs.count == 1,
              case .tensor(.float, let shape?) = input.type, shape.count == 2, case .fixed(let width) = shape[1] else {
            throw StreamError("model '\(options.model)' must take one float input of shape [N, features]")
        }
        var messages: [FeatureMessage] = []
        messages.reserveCapacity(batch.count)
        var accepted: [Delivery] = []
        accepted.reserveCapacity(batch.count)
        var values: [Float] = []
        values.reserveCapacity(batch.count * width)
        for delivery in batch {
            do throws(StreamError) {
                let message = try StreamMessages.feature(delivery)
                guard message.x.count == width else {
                    throw StreamError("\"x\" has \(message.x.count) values, model '\(options.model)' takes \(width)")
                }
                values.append(contentsOf: message.x)
                messages.append(message)
                accepted.append(delivery)
            } catch {
                deadLetters.add(delivery, reason: error.description)
            }
        }
        guard !messages.isEmpty else { return 0 }
        var predictions: [Float?]
        do {
            predictions = try Self.run(model, input: input.name, rows: messages.count, width: width, values)
        } catch {
            // One bad row must not fail its neighbours forever (the batch would
            // come back after every reconnect): run the rows one by one and
            // dead-letter those that fail on their own.
            logger.warning("model '\(options.model)' failed on a batch of \(messages.count) (\(error)); running its rows one by one")
            predictions = []
            for i in messages.indices {
                do {
                    predictions.append(try Self.run(model, input: input.name, rows: 1, width: width,
                                                    Array(values[(i * width)..<((i + 1) * width)]))[0])
                } catch {
                    predictions.append(nil)
                    deadLetters.add(accepted[i], reason: "model '\(options.model)' failed on this row: \(error)")
                }
            }
        }
        let count = messages.count
        statistics.update { $0.batches += 1; $0.batchedMessages += count }
        var published = 0
        for (message, prediction) in zip(messages, predictions) {
            guard let prediction else { continue }
            let out = PredictionMessage(id: message.id, yPred: Double(prediction), model: lease.servable.name,
                                        version: lease.servable.version, timestamp: message.timestamp)
            StreamMessages.write(out, into: &writer)
            try publisher.publish(options.yPredQueue, writer.bytes)
            published += 1
        }
        return published
    }

    /// One run of `rows` rows; the first output must hold one float per row.
    private static func run(_ model: Model, input: String, rows: Int, width: Int, _ values: [Float]) throws -> [Float?] {
        let outputs = try model.runAllOutputs([input: Tensor(shape: [rows, width], floats: values)])
        guard case .tensor(let tensor)? = outputs.first, case .float(let floats) = tensor.storage, floats.count == rows else {
            throw StreamError("the model must return one float per row as its first output")
        }
        return floats
    }
}
