import Logging
import ModelServer

/// The model repository a batch run scores with: started once, leased per
/// chunk (table runs) or per run (files), so a new version on disk is what
/// the next lease gets.
public final class BatchModels: Sendable {
    public let repository: ModelRepository

    /// Loads the repository at `root` and polls it every `pollInterval`.
    public init(root: String, pollInterval: Duration, logger: Logger) throws(BatchError) {
        repository = ModelRepository(root: root, pollInterval: pollInterval, logger: logger)
        do { try repository.start() } catch { throw BatchError("cannot load models from \(root): \(error)") }
    }

    /// Leases the version that serves `name` now (or exactly `version`).
    public func lease(_ name: String, version: Int64? = nil) throws(BatchError) -> ServableLease {
        do { return try repository.acquire(name: name, version: version, label: nil) } catch { throw BatchError("\(error)") }
    }

    /// Stops polling and unloads.
    public func stop() { repository.stop() }
}
