import TextFormats

/// A model's prediction cache: `"cache"` in config.json, or
/// `serve --cache-default` for every model. Every key is optional;
/// `"cache": {}` turns the cache on with the defaults.
///
/// ```json
/// "cache": {"max_entries": 100000, "max_bytes": 67108864, "ttl_seconds": 0}
/// ```
public struct CacheSettings: Sendable, Equatable {
    /// Entries kept per model; the least recently used leaves first.
    public var maxEntries: Int
    /// Bytes kept per model (keys, outputs and a fixed overhead per entry).
    public var maxBytes: Int
    /// Seconds an entry stays valid in process; 0 = until evicted or its version unloads.
    public var ttlSeconds: Int

    public init(maxEntries: Int = 100_000, maxBytes: Int = 64 << 20, ttlSeconds: Int = 0) {
        self.maxEntries = maxEntries
        self.maxBytes = maxBytes
        self.ttlSeconds = ttlSeconds
    }

    /// Reads settings written as a JSON object (`serve --cache-default '{…}'`);
    /// errors name `source` (e.g. the option).
    public static func parse(json text: String, source: String) throws -> CacheSettings {
        func fail(_ problem: String) -> ModelConfigError { ModelConfigError(file: source, problem: problem) }
        let value: JSON
        do {
            value = try JSONParser.parse(text)
        } catch {
            throw fail("not valid JSON (\(error))")
        }
        return try parse(value, fail: fail)
    }

    /// Reads a `"cache"` object; `fail` builds the error for a bad key.
    public static func parse(_ value: JSON, fail: (String) -> any Error) throws -> CacheSettings {
        var settings = CacheSettings()
        try SettingsObject.read(value, section: "cache", fail: fail) { key, item in
            switch key {
            case "max_entries": settings.maxEntries = try SettingsObject.integer(item, "cache", key, min: 1, max: 1 << 31, fail: fail)
            case "max_bytes": settings.maxBytes = try SettingsObject.integer(item, "cache", key, min: 1, max: 1 << 40, fail: fail)
            case "ttl_seconds": settings.ttlSeconds = try SettingsObject.integer(item, "cache", key, min: 0, max: 1 << 31, fail: fail)
            default: return false
            }
            return true
        }
        return settings
    }
}

/// Shared checks for the small settings objects of config.json (`"cache"`,
/// `"batching"`): an object of known keys, each an integer in range.
enum SettingsObject {
    /// Calls `member` for each key; it returns false for a key it does not
    /// know, which is an error naming the known ones.
    static func read(_ value: JSON, section: String, fail: (String) -> any Error,
                     member: (String, JSON) throws -> Bool) throws {
        guard let members = value.objectMembers else {
            throw fail("\"\(section)\" must be an object, got \(value.kindName)")
        }
        for (key, item) in members where try !member(key, item) {
            throw fail("\"\(section)\" has unknown key \"\(key)\"")
        }
    }

    static func integer(_ value: JSON, _ section: String, _ key: String, min: Int, max: Int,
                        fail: (String) -> any Error) throws -> Int {
        guard let n = value.int64Value, n >= min, n <= max else {
            throw fail("\"\(section)\".\(key) must be an integer from \(min) to \(max), got \(value.shortDescription)")
        }
        return Int(n)
    }
}
