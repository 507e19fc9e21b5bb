import Logging
import TextFormats
#if canImport(Glibc)
import Glibc
#endif

/// `swerve stream features`: random rows of a table, each with a unique id,
/// X to `features/X` and the truth to `features/Y_true`, every message
/// confirmed by the broker (a window at a time).
public final class FeaturesService {
    public struct Options: Sendable {
        public var broker: BrokerOptions
        public var table: FeatureTable
        /// nil: publish until stopped.
        public var count: Int?
        /// Observations per second; 0 publishes as fast as confirms allow.
        public var rate: Double
        public var seed: UInt64
        /// Ids are `<prefix>-<n>`.
        public var idPrefix: String
        public var xQueue = "features/X"
        public var yTrueQueue = "features/Y_true"
        /// Observations published before waiting for their confirms.
        public var window = 256

        public init(broker: BrokerOptions, table: FeatureTable, count: Int?, rate: Double, seed: UInt64, idPrefix: String) {
            self.broker = broker
            self.table = table
            self.count = count
            self.rate = rate
            self.seed = seed
            self.idPrefix = idPrefix
        }
    }

    private let options: Options
    private let logger: Logger
    private let stop: StopSignal
    public let statistics = StreamStatistics(service: "features")

    public init(_ options: Options, logger: Logger, stop: StopSignal) {
        self.options = options
        self.logger = logger
        self.stop = stop
    }

    /// Publishes until `count` observations are confirmed or stopped; returns
    /// how many were confirmed.
    @discardableResult
    public func run() -> Int {
        var confirmed = 0
        var confirmedSampler = RowSampler(seed: options.seed, rowCount: options.table.rows.count)
        let start = ContinuousClock.now
        BrokerSession.run(options.broker, stop: stop, logger: logger, statistics: statistics) { () throws(StreamError) in
            let connection = try BrokerSession.connect(options.broker, declaring: [options.xQueue, options.yTrueQueue], confirms: true)
            defer { connection.close() }
            logger.info("publishing to \(options.xQueue) and \(options.yTrueQueue) on \(options.broker.url)")
            // After a reconnect, everything not confirmed is published again
            // (same ids and rows): at-least-once, the metrics join dedupes.
            var sampler = confirmedSampler
            var next = confirmed
            var writer = JSONWriter(capacity: 512)
            while !stop.isSet, options.count.map({ next < $0 }) ?? true {
                let row = sampler.next()
                let id = MessageID("\(options.idPrefix)-\(next)")
                let now = Self.wallClock()
                StreamMessages.write(FeatureMessage(id: id, x: options.table.rows[row].map { Float($0) }, timestamp: now), into: &writer)
                try connection.publish(options.xQueue, writer.bytes)
                StreamMessages.write(TruthMessage(id: id, yTrue: options.table.targets[row], timestamp: now), into: &writer)
                try connection.publish(options.yTrueQueue, writer.bytes)
                next += 1
                let due = options.rate > 0 ? start.advanced(by: .seconds(Double(next) / options.rate)) : start
                let finished = options.count.map { next >= $0 } ?? false
                if next - confirmed >= options.window || finished || due > .now {
                    try connection.waitForConfirms()
                    let count = (next - confirmed) * 2
                    statistics.update { $0.published += count }
                    confirmed = next
                    confirmedSampler = sampler
                    if confirmed % 1000 < options.window { logger.info("\(confirmed) observations published") }
                }
                while !stop.isSet {
                    // Read the clock once: `due` may pass between two reads.
                    let wait = ContinuousClock.now.duration(to: due)
                    guard wait > .zero else { break }
                    usleep(UInt32(min(wait, .milliseconds(100)).components.attoseconds / 1_000_000_000_000 + 1))
                }
            }
            // Stopped mid-window: what was published is confirmed before closing.
            if next > confirmed {
                try connection.waitForConfirms()
                let count = (next - confirmed) * 2
                statistics.update { $0.published += count }
                confirmed = next
                confirmedSampler = sampler
            }
        }
        logger.info("published \(confirmed) observations")
        return confirmed
    }

    static func wallClock() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
