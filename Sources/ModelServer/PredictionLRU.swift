import ModelRuntime

/// The outputs of one prediction as the cache keeps them: names and tensors
/// in answer order (a ZipMap output already split into `X` and `X:labels`).
public struct CachedPrediction: Sendable {
    public var names: [String]
    public var tensors: [Tensor]

    public init(names: [String], tensors: [Tensor]) {
        self.names = names
        self.tensors = tensors
    }

    /// Bytes the outputs hold (values and names), for the cache's byte bound.
    public var byteCount: Int {
        var total = 0
        for name in names { total += name.utf8.count }
        for tensor in tensors {
            total += tensor.shape.count * 8
            switch tensor.storage {
            case .float(let v): total += v.count * 4
            case .double(let v): total += v.count * 8
            case .int64(let v): total += v.count * 8
            case .int32(let v): total += v.count * 4
            case .bool(let v): total += v.count
            case .string(let v): for s in v { total += 16 + s.utf8.count }
            }
        }
        return total
    }
}

/// One model's least-recently-used store, within an entry and a byte bound.
/// Entries live in arrays linked by index (no allocation per node); the
/// dictionary maps a key to its slot.
///
/// Not thread-safe: `PredictionCache` keeps it behind its lock.
struct PredictionLRU {
    /// What one entry costs beyond its key and outputs: the slot, the
    /// dictionary entry and array headers. An estimate; it keeps many tiny
    /// entries from slipping under the byte bound.
    static let entryOverhead = 160

    private struct Slot {
        var key: PredictionKey
        var value: CachedPrediction
        var version: Int64
        var bytes: Int
        var expires: ContinuousClock.Instant?
        var newer = -1
        var older = -1
    }

    var settings: CacheSettings
    private var index: [PredictionKey: Int] = [:]
    private var slots: [Slot?] = []
    private var free: [Int] = []
    private var newest = -1
    private var oldest = -1
    /// Accounted bytes of every entry held.
    private(set) var bytes = 0

    init(settings: CacheSettings) {
        self.settings = settings
    }

    var count: Int { index.count }

    /// The entry for `key`, made the most recently used; an expired one is removed.
    mutating func get(_ key: PredictionKey, now: ContinuousClock.Instant) -> CachedPrediction? {
        guard let i = index[key] else { return nil }
        if let expires = slots[i]!.expires, now >= expires {
            remove(i)
            return nil
        }
        unlink(i)
        pushNewest(i)
        return slots[i]!.value
    }

    /// Stores an entry (replacing one with the same key), then evicts the
    /// least recently used until both bounds hold. Returns the versions of
    /// evicted entries (for the eviction counter). An entry larger than the
    /// byte bound on its own is not stored.
    mutating func put(_ key: PredictionKey, _ value: CachedPrediction, version: Int64,
                      now: ContinuousClock.Instant) -> [Int64] {
        let size = key.bytes.count + value.byteCount + Self.entryOverhead
        guard size <= settings.maxBytes else { return [] }
        if let existing = index[key] { remove(existing) }
        let expires = settings.ttlSeconds > 0 ? now + .seconds(settings.ttlSeconds) : nil
        let slot = Slot(key: key, value: value, version: version, bytes: size, expires: expires)
        let i: Int
        if let reused = free.popLast() {
            slots[reused] = slot
            i = reused
        } else {
            slots.append(slot)
            i = slots.count - 1
        }
        index[key] = i
        bytes += size
        pushNewest(i)
        var evicted: [Int64] = []
        while (index.count > settings.maxEntries || bytes > settings.maxBytes) && oldest != -1 && oldest != i {
            evicted.append(slots[oldest]!.version)
            remove(oldest)
        }
        return evicted
    }

    /// Removes every entry of the loaded instance `serial`; returns how many.
    mutating func removeAll(serial: UInt64) -> Int {
        let doomed = index.filter { $0.key.serial == serial }.map(\.value)
        for i in doomed { remove(i) }
        return doomed.count
    }

    private mutating func remove(_ i: Int) {
        unlink(i)
        let slot = slots[i]!
        index[slot.key] = nil
        bytes -= slot.bytes
        slots[i] = nil
        free.append(i)
    }

    private mutating func unlink(_ i: Int) {
        let (newer, older) = (slots[i]!.newer, slots[i]!.older)
        if newer != -1 { slots[newer]!.older = older } else { newest = older }
        if older != -1 { slots[older]!.newer = newer } else { oldest = newer }
        slots[i]!.newer = -1
        slots[i]!.older = -1
    }

    private mutating func pushNewest(_ i: Int) {
        slots[i]!.older = newest
        slots[i]!.newer = -1
        if newest != -1 { slots[newest]!.newer = i }
        newest = i
        if oldest == -1 { oldest = i }
    }
}
