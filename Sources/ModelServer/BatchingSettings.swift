import TextFormats

/// A model's adaptive batching: `"batching"` in config.json. Every key is
/// optional; `"batching": {}` turns it on with the defaults.
///
/// ```json
/// "batching": {"max_rows": 64, "max_delay_us": 200, "preferred_rows": [], "max_queued_rows": 4096}
/// ```
/// Rows count, not calls. (The top-level `max_batch_size` still bounds the
/// rows one request may carry.)
public struct BatchingSettings: Sendable, Equatable {
    /// A batch runs as soon as it holds this many rows.
    public var maxRows: Int
    /// A batch runs at the latest this long after its oldest call arrived.
    public var maxDelayMicroseconds: Int
    /// A batch also runs when it reaches one of these sizes (rows), e.g.
    /// sizes a model runs fastest at; empty = only `maxRows`.
    public var preferredRows: [Int]
    /// Rows waiting per model version; a call that would exceed it is
    /// refused with RESOURCE_EXHAUSTED.
    public var maxQueuedRows: Int

    public init(maxRows: Int = 64, maxDelayMicroseconds: Int = 200, preferredRows: [Int] = [],
                maxQueuedRows: Int = 4096) {
        self.maxRows = maxRows
        self.maxDelayMicroseconds = maxDelayMicroseconds
        self.preferredRows = preferredRows
        self.maxQueuedRows = maxQueuedRows
    }

    /// Reads a `"batching"` object; `fail` builds the error for a bad key.
    public static func parse(_ value: JSON, fail: (String) -> any Error) throws -> BatchingSettings {
        var s = BatchingSettings()
        try SettingsObject.read(value, section: "batching", fail: fail) { key, item in
            switch key {
            case "max_rows": s.maxRows = try SettingsObject.integer(item, "batching", key, min: 1, max: 1 << 20, fail: fail)
            case "max_delay_us": s.maxDelayMicroseconds = try SettingsObject.integer(item, "batching", key, min: 0, max: 10_000_000, fail: fail)
            case "max_queued_rows": s.maxQueuedRows = try SettingsObject.integer(item, "batching", key, min: 1, max: 1 << 24, fail: fail)
            case "preferred_rows":
                guard let items = item.arrayValue else {
                    throw fail("\"batching\".preferred_rows must be an array of positive integers, got \(item.kindName)")
                }
                s.preferredRows = try items.map { try SettingsObject.integer($0, "batching", "preferred_rows[]", min: 1, max: 1 << 20, fail: fail) }
            default: return false
            }
            return true
        }
        if let too = s.preferredRows.first(where: { $0 > s.maxRows }) {
            throw fail("\"batching\".preferred_rows holds \(too), more than max_rows \(s.maxRows)")
        }
        if s.maxQueuedRows < s.maxRows {
            throw fail("\"batching\".max_queued_rows (\(s.maxQueuedRows)) must be at least max_rows (\(s.maxRows))")
        }
        s.preferredRows = Array(Set(s.preferredRows)).sorted()
        return s
    }
}
