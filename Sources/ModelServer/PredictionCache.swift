import Primitives

/// The in-process prediction cache: per model, an LRU of answers keyed by
/// `PredictionKey`, within the model's `CacheSettings` bounds.
///
/// Entries belong to one loaded instance of a version (the key holds its
/// serial): a call looks up only after leasing the version that serves it,
/// so a new version that became AVAILABLE is asked at once, and an entry
/// can never answer for a version that no longer serves. When an instance
/// drains, `attach(to:)` drops its entries, so memory follows what serves.
///
/// Thread-safety: every method may be called from any thread; one lock
/// guards the stores and counters (a hit is a hash, a lookup and a copy of
/// the output tensors' references under it).
public final class PredictionCache: Sendable {
    /// Applies to models whose config.json has no `"cache"`; nil = those are not cached.
    public let defaultSettings: CacheSettings?
    /// The level shared with other servers, asked after this one misses.
    public let shared: (any SharedPredictionStore)?

    struct VersionKey: Hashable {
        var model: String
        var version: Int64
    }

    struct Counters {
        var hits: UInt64 = 0
        var misses: UInt64 = 0
        var evictions: UInt64 = 0
    }

    private struct State {
        var stores: [String: PredictionLRU] = [:]
        var counters: [VersionKey: Counters] = [:]
    }

    private let state = Locked(State())

    public init(defaultSettings: CacheSettings? = nil, shared: (any SharedPredictionStore)? = nil) {
        self.defaultSettings = defaultSettings
        self.shared = shared
    }

    /// Drops each drained instance's entries as `repository` retires it.
    public func attach(to repository: ModelRepository) {
        repository.addDrainObserver { [weak self] servable in self?.drop(servable) }
    }

    /// The settings that apply to `servable`, or nil when it is not cached.
    public func settings(for servable: ServableVersion) -> CacheSettings? {
        servable.config.cache ?? defaultSettings
    }

    /// The cached answer for `key`, counted as a hit or a miss of `servable`:
    /// from this process, else from the shared level (then kept here too).
    public func lookup(_ key: PredictionKey, servable: ServableVersion, settings: CacheSettings) -> CachedPrediction? {
        lookup(key, model: servable.name, version: servable.version, settings: settings, sharedLevel: true)
    }

    /// Stores the answer `servable` gave for `key` (evicting as the bounds
    /// require), in the shared level too.
    public func store(_ key: PredictionKey, _ value: CachedPrediction, servable: ServableVersion,
                      settings: CacheSettings) {
        store(key, value, model: servable.name, version: servable.version, settings: settings, sharedLevel: true)
    }

    /// `lookup` for answers that are not one servable's (a fan-out model's:
    /// `key` names its members' instances). `sharedLevel` false keeps to
    /// this process (keys naming instances mean nothing to other servers).
    public func lookup(_ key: PredictionKey, model: String, version: Int64, settings: CacheSettings,
                       sharedLevel: Bool) -> CachedPrediction? {
        let now = ContinuousClock.now
        let counterKey = VersionKey(model: model, version: version)
        let local = state.withLock { s in
            let found = s.stores[model]?.get(key, now: now)
            if found != nil { s.counters[counterKey, default: Counters()].hits += 1 }
            return found
        }
        if let local { return local }
        // The shared key leaves out the instance serial (other processes load
        // their own instances); the bytes name model and version.
        if sharedLevel, let shared, let bytes = shared.get(key.bytes), let found = CachedPrediction(encoded: bytes) {
            insert(key, found, model: model, version: version, settings: settings, now: now, hit: true)
            return found
        }
        state.withLock { $0.counters[counterKey, default: Counters()].misses += 1 }
        return nil
    }

    /// `store` for answers that are not one servable's; see `lookup(_:model:version:settings:sharedLevel:)`.
    public func store(_ key: PredictionKey, _ value: CachedPrediction, model: String, version: Int64,
                      settings: CacheSettings, sharedLevel: Bool) {
        insert(key, value, model: model, version: version, settings: settings, now: .now, hit: false)
        if sharedLevel { shared?.set(key.bytes, value.encoded()) }
    }

    private func insert(_ key: PredictionKey, _ value: CachedPrediction, model: String, version: Int64,
                        settings: CacheSettings, now: ContinuousClock.Instant, hit: Bool) {
        state.withLock { s in
            var lru = s.stores.removeValue(forKey: model) ?? PredictionLRU(settings: settings)
            lru.settings = settings  // config.json may have changed the bounds
            let evicted = lru.put(key, value, version: version, now: now)
            s.stores[model] = lru
            if hit { s.counters[VersionKey(model: model, version: version), default: Counters()].hits += 1 }
            for evictedVersion in evicted {
                s.counters[VersionKey(model: model, version: evictedVersion), default: Counters()].evictions += 1
            }
        }
    }

    /// Removes every entry of `servable`'s instance (it left service).
    public func drop(_ servable: ServableVersion) {
        state.withLock { s in
            guard var lru = s.stores.removeValue(forKey: servable.name) else { return }
            _ = lru.removeAll(serial: servable.serial)
            if lru.count > 0 { s.stores[servable.name] = lru }
        }
    }

    /// Entries and accounted bytes held for `model` (0 when none).
    public func usage(model: String) -> (entries: Int, bytes: Int) {
        state.withLock { s in
            guard let lru = s.stores[model] else { return (0, 0) }
            return (lru.count, lru.bytes)
        }
    }

    /// Hits, misses and evictions so far of one version.
    public func counts(model: String, version: Int64) -> Counts {
        let c = state.withLock { $0.counters[VersionKey(model: model, version: version)] } ?? Counters()
        return Counts(model: model, version: version, hits: c.hits, misses: c.misses, evictions: c.evictions)
    }

    /// One version's counters.
    public struct Counts: Sendable {
        public var model: String
        public var version: Int64
        public var hits: UInt64
        public var misses: UInt64
        public var evictions: UInt64
    }

    /// Every version's counters, sorted by model and version (for /metrics).
    public func allCounts() -> [Counts] {
        state.withLock { $0.counters }
            .sorted { ($0.key.model, $0.key.version) < ($1.key.model, $1.key.version) }
            .map { Counts(model: $0.key.model, version: $0.key.version, hits: $0.value.hits,
                          misses: $0.value.misses, evictions: $0.value.evictions) }
    }

    /// Entries and accounted bytes per model, sorted by model (for /metrics).
    public func allUsage() -> [(model: String, entries: Int, bytes: Int)] {
        state.withLock { s in s.stores.map { ($0.key, $0.value.count, $0.value.bytes) } }.sorted { $0.model < $1.model }
    }
}
