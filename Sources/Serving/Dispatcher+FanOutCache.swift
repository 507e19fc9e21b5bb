import Aggregator
import ModelServer
import Wire

extension Dispatcher {
    /// The cache slot of a call on a cached fan-out model, or nil when it is
    /// not cached. The key names the instance serving each in-process
    /// member now, so a member's new version (or reload) is asked at once.
    /// A remote member's version is unknown here: a fan-out model with one
    /// is cached only with an expiry (`ttl_seconds` > 0) bounding staleness.
    func fanOutCacheSlot(_ request: PredictRequest) -> CacheSlot? {
        let name = request.modelSpec.name
        guard let cache, let members = fanOut?.cacheMembers(model: name),
              let settings = (try? repository.config(name: name))?.cache ?? cache.defaultSettings else { return nil }
        var identity = name
        for member in members {
            if member.isRemote {
                guard settings.ttlSeconds > 0 else { return nil }
                identity += "\u{0}remote \(member.model)"
                continue
            }
            guard let lease = try? repository.acquire(name: member.model, version: member.version, label: nil) else {
                return nil  // the call will fail or be answered by a member's error; nothing to cache
            }
            identity += "\u{0}\(member.model) \(lease.servable.version) \(lease.servable.serial)"
            lease.release()
        }
        let key = PredictionKey(model: identity, version: 0, serial: 0, outputFilter: request.outputFilter,
                                inputs: request.inputs.map { ($0.name, $0.tensor) })
        return CacheSlot(key: key, settings: settings)
    }

    /// A cached answer of a fan-out model (counted under version 0).
    func fanOutCacheLookup(_ request: PredictRequest, _ slot: CacheSlot) -> PredictResponse? {
        guard let hit = cache?.lookup(slot.key, model: request.modelSpec.name, version: 0, settings: slot.settings,
                                      sharedLevel: false) else { return nil }
        return PredictResponse(modelSpec: ModelSpec(name: request.modelSpec.name),
                               outputs: zip(hit.names, hit.tensors).map { NamedTensor($0, $1) },
                               tensorEncoding: request.tensorEncoding)
    }

    /// Stores a fan-out answer, unless members failed (a best-effort answer
    /// with an `errors` output is partial and not worth repeating).
    func fanOutCacheStore(_ request: PredictRequest, _ slot: CacheSlot, _ answer: PredictResponse) {
        guard !answer.outputs.contains(where: { $0.name == FanOutAggregation.errorsOutput }) else { return }
        cache?.store(slot.key, CachedPrediction(names: answer.outputs.map(\.name), tensors: answer.outputs.map(\.tensor)),
                     model: request.modelSpec.name, version: 0, settings: slot.settings, sharedLevel: false)
    }
}
