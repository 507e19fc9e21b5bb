import ArgumentParser
import ModelServer
import Redis

/// `swerve serve` options for the prediction cache.
struct CacheOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Cache every model whose config.json has no \"cache\" key, with these settings, "
        + "e.g. '{}' or '{\"max_entries\": 100000, \"max_bytes\": 67108864, \"ttl_seconds\": 0}'.", valueName: "JSON"))
    var cacheDefault: String?

    @Option(help: ArgumentHelp("Share cached predictions with other servers through Redis, checked after "
        + "the in-process cache; Redis down or slow means uncached answers and a warning.", valueName: "redis://HOST:PORT"))
    var cacheRedis: String?

    @Option(help: "Seconds every prediction stored in Redis lives (at least 1).")
    var cacheRedisTtlSeconds: Int = 300

    /// The parsed `--cache-redis`, nil when not given.
    func redisAddress() throws -> RedisAddress? {
        try cacheRedis.map { text in
            do { return try RedisAddress(url: text) } catch { throw ValidationError("--cache-redis: \(error)") }
        }
    }

    /// The parsed `--cache-default`, nil when not given.
    func defaultSettings() throws -> CacheSettings? {
        guard let cacheDefault else { return nil }
        return try CacheSettings.parse(json: cacheDefault, source: "--cache-default")
    }

    func validate() throws {
        do {
            _ = try defaultSettings()
        } catch {
            throw ValidationError("\(error)")
        }
        _ = try redisAddress()
        guard cacheRedisTtlSeconds >= 1 else {
            throw ValidationError("--cache-redis-ttl-seconds must be at least 1 (shared entries never live without an expiry)")
        }
    }
}
