import ModelRuntime
import ModelServer
import Wire

/// Where a cacheable call stores its answer once the model ran.
struct CacheSlot {
    var key: PredictionKey
    var settings: CacheSettings
}

extension Dispatcher {
    /// For a version that is cached: the cached answer (a hit, unless the
    /// caller asked for `noCache`), or the slot to store the fresh answer in.
    /// Nil for both when the version is not cached.
    func cacheLookup(_ servable: ServableVersion, feeds: [String: Tensor], outputNames: [String]?,
                     noCache: Bool) -> (hit: CachedPrediction?, slot: CacheSlot?) {
        guard let cache, let settings = cache.settings(for: servable) else { return (nil, nil) }
        let key = PredictionKey(model: servable.name, version: servable.version, serial: servable.serial,
                                outputFilter: outputNames ?? [], inputs: feeds.map { ($0.key, $0.value) })
        if !noCache, let hit = cache.lookup(key, servable: servable, settings: settings) {
            return (hit, nil)
        }
        return (nil, CacheSlot(key: key, settings: settings))
    }

    /// Stores a fresh answer in the slot `cacheLookup` gave.
    func cacheStore(_ slot: CacheSlot, _ outputs: [NamedTensor], servable: ServableVersion) {
        cache?.store(slot.key, CachedPrediction(names: outputs.map(\.name), tensors: outputs.map(\.tensor)),
                     servable: servable, settings: slot.settings)
    }
}
