/// How a config.json scan compares with what the repository last read.
enum ConfigUpdate: Sendable {
    case unchanged
    case absent
    case parsed(ModelConfig, FileStamp)
    case broken(String, FileStamp?)
}

/// What one poll of the source found: the directory layout and each
/// model's config.json (read only where its stamp changed).
struct SourceSnapshot: Sendable {
    var scan: DiskScan
    var configs: [String: ConfigUpdate]
    /// Models that repository control keeps out of service: none of their
    /// versions is aspired.
    var held: Set<String> = []

    /// The versions of model `name` on `disk` that should serve under `config`.
    func aspiredVersions(_ name: String, _ disk: DiskModel, config: ModelConfig) -> Set<Int64> {
        held.contains(name) ? [] : ModelSource.aspiredVersions(of: disk, config: config)
    }

    /// Why versions of model `name` that should no longer serve leave.
    func exclusionReason(_ name: String) -> String {
        held.contains(name) ? "unloaded by request" : "excluded by the version policy"
    }
}

/// The source (TF Serving's `Source`): scans the repository directory and
/// each model's config.json, and says which versions of each model should
/// serve (its aspired versions). It loads nothing and keeps no state; the
/// manager compares what it says with what is loaded.
///
/// Thread-safety: a value type with no mutable state; the repository calls
/// it from the reload pass only.
struct ModelSource: Sendable {
    let scanner: RepositoryScanner

    init(root: String) {
        scanner = RepositoryScanner(root: root)
    }

    /// Scans the root and reads the config.json files whose stamp differs
    /// from `knownConfigStamps` (the stamp each model's config was last read
    /// at). Throws only when the root itself cannot be listed.
    func poll(knownConfigStamps: [String: FileStamp?]) throws(FileSystemError) -> SourceSnapshot {
        let scan = try scanner.scan()
        return SourceSnapshot(scan: scan, configs: readConfigs(scan, knownConfigStamps))
    }

    /// The versions of `disk` that `config`'s version policy wants served.
    static func aspiredVersions(of disk: DiskModel, config: ModelConfig) -> Set<Int64> {
        config.versionPolicy.select(from: disk.versions.keys)
    }

    // Reads only config.json files whose stamp changed since the last pass, and
    // does it outside the state lock.
    private func readConfigs(_ scan: DiskScan, _ known: [String: FileStamp?]) -> [String: ConfigUpdate] {
        var updates: [String: ConfigUpdate] = [:]
        for (name, disk) in scan.models where disk.listError == nil {
            let previous = known[name]
            switch disk.config {
            case nil:
                updates[name] = .absent
            case .failure(let error):
                updates[name] = .broken("\(error)", nil)
            case .success(let stamp):
                if let previous, previous == stamp {
                    updates[name] = .unchanged
                    continue
                }
                do {
                    let bytes = try FileSystem.readFile(disk.configPath, limit: 1 << 20)
                    updates[name] = .parsed(try ModelConfig.parse(bytes, file: disk.configPath), stamp)
                } catch {
                    updates[name] = .broken("\(error)", stamp)
                }
            }
        }
        return updates
    }
}
