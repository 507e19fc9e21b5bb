import ArgumentParser
import ModelServer

/// `swerve serve` options for the prediction cache.
struct CacheOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Cache every model whose config.json has no \"cache\" key, with these settings, "
        + "e.g. '{}' or '{\"max_entries\": 100000, \"max_bytes\": 67108864, \"ttl_seconds\": 0}'.", valueName: "JSON"))
    var cacheDefault: String?

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
    }
}
