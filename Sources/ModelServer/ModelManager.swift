import Logging
import ModelRuntime
import Primitives

/// The manager (TF Serving's `AspiredVersionsManager`): owns every
/// version's state (START, LOADING, AVAILABLE, UNLOADING, END, FAILED),
/// hands out leases, switches to a new version once it is AVAILABLE, and
/// unloads a version that left service once its last lease is released.
/// It compares what the source aspires to with what is loaded and says what
/// the loader must load; it never touches files itself.
///
/// Thread-safety: every method may be called from any thread. All state is
/// behind one lock: `acquire` is a dictionary lookup plus an atomic
/// increment under it; transitions are computed under it and their log
/// lines written and drains begun after it is released.
final class ModelManager: Sendable {
    /// The repository directory, for log lines.
    let root: String
    let logger: Logger
    let state = Locked(RepositoryState())
    private let drainObservers = Locked<[@Sendable (ServableVersion) -> Void]>([])

    /// How many END versions no longer on disk a model keeps reporting.
    static let endedVersionsKept = 8

    init(root: String, logger: Logger) {
        self.root = root
        self.logger = logger
    }

    // MARK: Phase

    /// Moves from idle to started; throws when already started or stopped.
    func begin() throws {
        try state.withLock { state in
            switch state.phase {
            case .idle: state.phase = .started
            case .started: throw ModelServerError(.failedPrecondition, "model repository \(root) is already started")
            case .stopped: throw ModelServerError(.failedPrecondition, "model repository \(root) was stopped; create a new one")
            }
        }
    }

    var isStopped: Bool { state.withLock { $0.phase == .stopped } }

    /// The stamp each model's config.json was last read at (nil: no file).
    func configStamps() -> [String: FileStamp?] {
        state.withLock { state in state.models.mapValues(\.configStamp) }
    }

    /// Takes every version out of service; each is unloaded (END) as soon
    /// as its in-flight leases are released.
    func retireAll() {
        let drains: [ServableVersion] = state.withLock { state in
            state.phase = .stopped
            var drains: [ServableVersion] = []
            for name in state.models.keys {
                for (version, record) in state.models[name]!.versions {
                    switch record.state {
                    case .available:
                        state.models[name]!.versions[version]!.state = .unloading
                        if let servable = record.servable { drains.append(servable) }
                    case .start, .loading, .failed:
                        state.models[name]!.versions[version] = VersionRecord(state: .end)
                    case .unloading, .end:
                        break
                    }
                }
                state.models[name]!.latest = nil
            }
            return drains
        }
        for servable in drains {
            logger.info("model \(servable.name) version \(servable.version) UNLOADING (repository stopping)",
                        metadata: ["model": "\(servable.name)", "version": "\(servable.version)", "state": "UNLOADING"])
            servable.beginDraining()
        }
    }

    // MARK: Serving

    /// Leases the version that should serve a call; `release()` it when done.
    ///
    /// Resolution: neither `version` nor `label` → the newest AVAILABLE
    /// version; `version` → exactly that version, if AVAILABLE; `label` → the
    /// version `config.versionLabels[label]` names, if AVAILABLE. An empty
    /// label counts as no label (protobuf's unset string).
    /// Throws `ModelServerError`: `notFound` (model, version or label unknown),
    /// `unavailable` (not AVAILABLE now), `invalidArgument` (a non-positive
    /// version, or both a version and a label), `failedPrecondition` (a fan-out model).
    func acquire(name: String, version: Int64?, label: String?) throws -> ServableLease {
        let label = label?.isEmpty == true ? nil : label
        let found: Result<ServableVersion, ModelServerError> = state.withLock { state in
            guard let model = state.models[name], model.onDisk else {
                return .failure(Self.modelNotFound(name, state))
            }
            let servable: ServableVersion
            if version == nil && label == nil, let latest = model.latest {
                servable = latest  // the hot path
            } else {
                switch Self.resolve(name, model, version: version, label: label) {
                case .success(let s): servable = s
                case .failure(let e): return .failure(e)
                }
            }
            // Counted under the lock: once a reload removed this version from
            // the state, no new lease can start on it.
            servable.retain()
            return .success(servable)
        }
        return ServableLease(servable: try found.get())
    }

    // The slow path of `acquire`: explicit version or label, or an error to explain.
    private static func resolve(_ name: String, _ model: ModelRecord, version: Int64?,
                                label: String?) -> Result<ServableVersion, ModelServerError> {
        if model.isFanOut {
            return .failure(ModelServerError(.failedPrecondition,
                "model '\(name)' is a fan-out model; it has no versions of its own to serve"))
        }
        if model.held && model.latest == nil {
            return .failure(ModelServerError(.unavailable,
                "model '\(name)' is not loaded; load it through the repository API "
                    + "(POST /v2/repository/models/\(name)/load)"))
        }
        if let version, let label {
            return .failure(ModelServerError(.invalidArgument,
                "give either a version or a version label, not both (version \(version), label '\(label)')"))
        }
        if let version, version <= 0 {
            return .failure(ModelServerError(.invalidArgument, "version must be a positive integer, got \(version)"))
        }
        var wanted = version
        var via = ""
        if let label {
            guard let target = model.config.versionLabels[label] else {
                let labels = model.config.versionLabels.keys.sorted()
                return .failure(ModelServerError(.notFound,
                    "model '\(name)' has no version label '\(label)' (labels: \(list(labels)))"))
            }
            wanted = target
            via = " (version label '\(label)')"
        }
        guard let wanted else {
            return .failure(ModelServerError(.unavailable,
                "model '\(name)' has no AVAILABLE version (\(describeVersions(model)))"))
        }
        guard let record = model.versions[wanted], record.state != .end else {
            let known = model.versions.filter { $0.value.state != .end }.keys.sorted().map(String.init)
            let pointer = label.map { "version label '\($0)' points to it; " } ?? ""
            return .failure(ModelServerError(.notFound,
                "model '\(name)' has no version \(wanted) (\(pointer)versions: \(list(known)))"))
        }
        guard record.state == .available, let servable = record.servable else {
            let reason = record.error.map { ": \($0)" } ?? ""
            return .failure(ModelServerError(.unavailable,
                "version \(wanted) of model '\(name)'\(via) is \(record.state)\(reason)"))
        }
        return .success(servable)
    }

    static func modelNotFound(_ name: String, _ state: RepositoryState) -> ModelServerError {
        var names = state.servedModelNames
        if names.count > 20 { names = names.prefix(20) + ["…"] }
        return ModelServerError(.notFound, "model '\(name)' not found (models: \(list(names)))")
    }

    private static func describeVersions(_ model: ModelRecord) -> String {
        let live = model.versions.filter { $0.value.state != .end }.sorted { $0.key < $1.key }
        if live.isEmpty {
            return model.hasUsableConfig ? "no versions on disk" : "config.json is broken: \(model.configError ?? "")"
        }
        return live.map { version, record in
            "version \(version) is \(record.state)" + (record.error.map { ": \($0)" } ?? "")
        }.joined(separator: "; ")
    }

    private static func list(_ items: [String]) -> String {
        items.isEmpty ? "none" : items.joined(separator: ", ")
    }

    // MARK: Status

    /// The status of one version (`version` given) or of every version the
    /// repository tracks for the model, END ones included, sorted by version.
    func status(name: String, version: Int64?) throws -> [ModelVersionStatus] {
        try state.withLock { state in
            guard let model = state.models[name] else { throw Self.modelNotFound(name, state) }
            guard let version else { return model.statuses() }
            guard let status = model.status(of: version) else {
                let known = model.versions.keys.sorted().map(String.init)
                throw ModelServerError(.notFound,
                    "model '\(name)' has no version \(version) (versions: \(Self.list(known)))")
            }
            return [status]
        }
    }

    /// Every tracked version of the model, sorted by version.
    func versions(name: String) throws -> [ModelVersionStatus] {
        try status(name: name, version: nil)
    }

    /// The config in force for the model (fan-out models included).
    func config(name: String) throws -> ModelConfig {
        try state.withLock { state in
            guard let model = state.models[name], model.onDisk else { throw Self.modelNotFound(name, state) }
            return model.config
        }
    }

    /// The current problem with the model's config.json (the previous config
    /// stays in force meanwhile), or nil when it is fine or absent.
    func configError(name: String) throws -> String? {
        try state.withLock { state in
            guard let model = state.models[name], model.onDisk else { throw Self.modelNotFound(name, state) }
            return model.configError
        }
    }

    /// Names of the models on disk that serve versions, sorted. Fan-out
    /// models (config.json with `"fan_out"` and no versions) are listed by
    /// `fanOutModelNames()` instead.
    func modelNames() -> [String] {
        state.withLock { $0.servedModelNames }
    }

    /// Names of fan-out models (config.json with `"fan_out"`, no versions), sorted.
    func fanOutModelNames() -> [String] {
        state.withLock { state in
            state.models.filter { $0.value.onDisk && $0.value.isFanOut }.map(\.key).sorted()
        }
    }

    /// Counts over `modelNames()` but those repository control holds out of
    /// service: models with an AVAILABLE version, models whose every tracked
    /// version is FAILED, and all of them. The server is healthy when
    /// `available + failed == total` (nothing still loading).
    func health() -> (available: Int, failed: Int, total: Int) {
        state.withLock { state in
            var available = 0, failed = 0, total = 0
            // A model held out of service by request is not waited for.
            for model in state.models.values where model.onDisk && !model.isFanOut && !model.held {
                total += 1
                let live = model.versions.values.filter { $0.state != .end }
                if live.contains(where: { $0.state == .available }) {
                    available += 1
                } else if !live.isEmpty && live.allSatisfy({ $0.state == .failed }) {
                    failed += 1
                }
            }
            return (available, failed, total)
        }
    }

    // MARK: Draining

    /// `observer` runs once for every instance that left service and
    /// drained (a retired version, or one replaced by a reload), on the
    /// thread that released its last lease. Caches drop its entries here.
    func addDrainObserver(_ observer: @escaping @Sendable (ServableVersion) -> Void) {
        drainObservers.withLock { $0.append(observer) }
    }

    /// Called once per servable, when it left service and its last lease ended.
    func servableDrained(_ servable: ServableVersion) {
        let ended: Bool = state.withLock { state in
            guard let record = state.models[servable.name]?.versions[servable.version],
                  record.servable === servable else { return false }
            state.models[servable.name]!.versions[servable.version]!.servable = nil
            guard record.state == .unloading else { return false }
            state.models[servable.name]!.versions[servable.version]!.state = .end
            return true
        }
        for observer in drainObservers.withLock({ $0 }) { observer(servable) }
        if ended {
            let line = Self.stateLog(servable.name, servable.version, .end, "unloaded")
            logger.log(level: line.level, "\(line.message)", metadata: line.metadata)
        } else {
            logger.debug("model \(servable.name) version \(servable.version): a replaced instance was released",
                         metadata: ["model": "\(servable.name)", "version": "\(servable.version)"])
        }
    }
}
