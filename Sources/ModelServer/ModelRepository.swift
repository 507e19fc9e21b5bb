import Logging
import ModelRuntime
import Synchronization

/// A TF Serving-like versioned model repository: finds models under
/// `ROOT/<name>/<version>/model.onnx` (plus optional `ROOT/<name>/config.json`),
/// loads the versions each model's version policy selects, and hot-reloads
/// as the directory changes.
///
/// Lifecycle: `start()` scans and loads synchronously, then a background
/// poller thread calls `reload()` every `pollInterval`; `stop()` ends polling
/// and unloads. A version becomes servable only after it loaded and ran one
/// warm-up call; it leaves service when removed from disk or excluded by the
/// policy, and is unloaded when its last in-flight lease is released.
///
/// Thread-safety: every method may be called from any thread. Loading runs
/// only on the thread calling `start()`/`reload()` (the poller), never in
/// `acquire`, which is a short lock-protected dictionary lookup plus an
/// atomic increment and touches no files. Requests therefore cannot make
/// the repository read anything: paths are built only from names on disk.
///
/// config.json handling: a change applies on the next poll (labels, version
/// labels and max batch size re-wrap the loaded versions without reloading
/// the model; a policy change loads or unloads versions). A broken
/// config.json is logged as an error, reported by `configError(name:)`, and
/// the previous config stays in force; if a model's config.json has never
/// parsed, its versions are FAILED with the config error until it is fixed.
///
/// Availability first: a version excluded by the policy but still on disk
/// (e.g. version 1 when version 2 arrives under `latest 1`) keeps serving
/// until every version the policy selects is AVAILABLE, so a broken new
/// version never takes a model out of service. A changed `model.onnx` of an
/// AVAILABLE version is loaded beside it and swapped in; if it fails, the
/// version keeps serving the previously loaded file and the error is logged.
public final class ModelRepository: Sendable {
    /// The repository directory.
    public let root: String
    public let pollInterval: Duration
    let logger: Logger
    let loader: @Sendable (String) throws -> Model
    let scanner: RepositoryScanner
    let state = Mutex(RepositoryState())
    // Serialises scan-and-apply passes (the poller's and callers' of reload()).
    let reloadLock = Mutex(ReloadContext())
    let poller = RepositoryPoller()

    /// - Parameters:
    ///   - root: the repository directory (`ROOT`).
    ///   - pollInterval: how often the background poller rescans after `start()`.
    ///   - logger: receives state changes (info) and failures (error).
    ///   - loader: loads one `model.onnx`; tests inject fakes.
    public init(root: String, pollInterval: Duration, logger: Logger,
                loader: @escaping @Sendable (String) throws -> Model = { try Model.load(path: $0) }) {
        // Trailing slashes would only make logged paths uglier ("ROOT//iris").
        var root = root
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        self.root = root
        self.pollInterval = pollInterval
        self.logger = logger
        self.loader = loader
        self.scanner = RepositoryScanner(root: root)
    }

    deinit {
        // Never wait here: the last reference may be dropped on the poller thread.
        poller.requestStop()
    }

    // MARK: Lifecycle

    /// Scans the root and loads every selected version before returning (so
    /// the server is ready when it says so), then starts the background poller.
    /// Throws `failedPrecondition` when the root is not a readable directory
    /// or the repository was already started.
    public func start() throws {
        do {
            guard try FileSystem.status(root).kind == .directory else {
                throw ModelServerError(.failedPrecondition, "model repository \(root) is not a directory")
            }
            _ = try FileSystem.entries(of: root)
        } catch let error as FileSystemError {
            throw ModelServerError(.failedPrecondition, "model repository unusable: \(error)")
        }
        try state.withLock { state in
            switch state.phase {
            case .idle: state.phase = .started
            case .started: throw ModelServerError(.failedPrecondition, "model repository \(root) is already started")
            case .stopped: throw ModelServerError(.failedPrecondition, "model repository \(root) was stopped; create a new one")
            }
        }
        reload()
        let names = modelNames()
        logger.info("model repository ready: \(names.count) model(s) in \(root)",
                    metadata: ["root": "\(root)", "models": "\(names.joined(separator: ","))"])
        poller.start(interval: pollInterval) { [weak self] in
            guard let self else { return false }
            self.reload()
            return true
        }
    }

    /// Stops polling and takes every version out of service; each is unloaded
    /// (END) as soon as its in-flight leases are released. Idempotent.
    public func stop() {
        poller.stop()
        let drains: [ServableVersion] = reloadLock.withLock { _ in
            state.withLock { state in
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
    public func acquire(name: String, version: Int64?, label: String?) throws -> ServableLease {
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
    public func status(name: String, version: Int64?) throws -> [ModelVersionStatus] {
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
    public func versions(name: String) throws -> [ModelVersionStatus] {
        try status(name: name, version: nil)
    }

    /// The config in force for the model (fan-out models included).
    public func config(name: String) throws -> ModelConfig {
        try state.withLock { state in
            guard let model = state.models[name], model.onDisk else { throw Self.modelNotFound(name, state) }
            return model.config
        }
    }

    /// The current problem with the model's config.json (the previous config
    /// stays in force meanwhile), or nil when it is fine or absent.
    public func configError(name: String) throws -> String? {
        try state.withLock { state in
            guard let model = state.models[name], model.onDisk else { throw Self.modelNotFound(name, state) }
            return model.configError
        }
    }

    /// Names of the models on disk that serve versions, sorted. Fan-out
    /// models (config.json with `"fan_out"` and no versions) are listed by
    /// `fanOutModelNames()` instead.
    public func modelNames() -> [String] {
        state.withLock { $0.servedModelNames }
    }

    /// Names of fan-out models (config.json with `"fan_out"`, no versions), sorted.
    public func fanOutModelNames() -> [String] {
        state.withLock { state in
            state.models.filter { $0.value.onDisk && $0.value.isFanOut }.map(\.key).sorted()
        }
    }

    /// Counts over `modelNames()`: models with an AVAILABLE version, models
    /// whose every tracked version is FAILED, and all of them. The server is
    /// healthy when `available + failed == total` (nothing still loading).
    public func health() -> (available: Int, failed: Int, total: Int) {
        state.withLock { state in
            var available = 0, failed = 0, total = 0
            for model in state.models.values where model.onDisk && !model.isFanOut {
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
}
