import ModelRuntime
import Synchronization

/// One loaded, servable version of a model: the model plus the config it
/// serves with. Immutable; when config.json changes, the repository swaps in
/// a new `ServableVersion` sharing the same `Model`.
///
/// Thread-safety: shared by all request threads. The in-flight count is
/// atomic; the repository takes a version out of service by swapping its
/// snapshot, then calls `beginDraining`, and the version is unloaded (its
/// `onDrained` runs once) when the last lease is released.
public final class ServableVersion: Sendable {
    public let name: String
    public let version: Int64
    public let model: Model
    public let config: ModelConfig
    /// Unique per instance in this process: a version whose model.onnx or
    /// config.json changed is a new instance under the same number, so
    /// anything keyed by it (the prediction cache) never mixes the two.
    public let serial: UInt64

    private static let nextSerial = Atomic<UInt64>(1)
    private let inFlight = Atomic<Int>(0)
    private let draining = Atomic<Bool>(false)
    private let drained = Atomic<Bool>(false)
    private let onDrained: @Sendable (ServableVersion) -> Void

    /// Creates a servable; `onDrained` runs once, after `beginDraining` and
    /// when no lease is outstanding (on the thread that released the last one).
    public init(name: String, version: Int64, model: Model, config: ModelConfig,
                onDrained: @escaping @Sendable (ServableVersion) -> Void = { _ in }) {
        self.name = name
        self.version = version
        self.model = model
        self.config = config
        self.serial = Self.nextSerial.add(1, ordering: .relaxed).oldValue
        self.onDrained = onDrained
    }

    /// Calls currently holding a lease on this version.
    public var inFlightCount: Int { inFlight.load(ordering: .sequentiallyConsistent) }

    /// True once the repository took this version out of service.
    public var isDraining: Bool { draining.load(ordering: .sequentiallyConsistent) }

    /// Counts a new lease. The repository calls this while holding the lock
    /// that guards its snapshot, so no lease can start after the version left
    /// the snapshot and `beginDraining` was called.
    func retain() {
        inFlight.add(1, ordering: .sequentiallyConsistent)
    }

    /// Ends a lease; the last one after `beginDraining` triggers `onDrained`.
    func releaseLease() {
        let remaining = inFlight.subtract(1, ordering: .sequentiallyConsistent).newValue
        if remaining < 0 {
            // A lease released twice: undo, so the count stays meaningful.
            inFlight.add(1, ordering: .sequentiallyConsistent)
            assertionFailure("ServableLease of \(name) version \(version) released more than once")
            return
        }
        if remaining == 0 && draining.load(ordering: .sequentiallyConsistent) {
            finishIfDrained()
        }
    }

    /// Takes the version out of service: `onDrained` runs now if no lease is
    /// out, else when the last one is released. Call after the version is no
    /// longer reachable through the snapshot, and without holding that lock.
    func beginDraining() {
        draining.store(true, ordering: .sequentiallyConsistent)
        if inFlight.load(ordering: .sequentiallyConsistent) == 0 {
            finishIfDrained()
        }
    }

    // Both `beginDraining` and the last `releaseLease` may see "draining and
    // zero" at once (sequentially consistent atomics guarantee at least one
    // does); the exchange makes exactly one of them run `onDrained`.
    private func finishIfDrained() {
        if !drained.exchange(true, ordering: .sequentiallyConsistent) {
            onDrained(self)
        }
    }
}
