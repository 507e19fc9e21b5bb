import Logging
import ModelRuntime
import Primitives

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
///
/// Roles, as TF Serving splits them: the `ModelSource` scans the directory
/// and config.json and says which versions should serve; the `ModelLoader`
/// loads and warms one version; the `ModelManager` owns states and leases,
/// switches versions and drains. This class wires them to the poller and
/// is the API the servers call.
public final class ModelRepository: Sendable {
    /// The repository directory.
    public let root: String
    public let pollInterval: Duration
    /// Who decides which models serve: the poller, load/unload calls, or both.
    public let control: RepositoryControl
    /// Explicit mode: the models `start()` loads (`*` = all).
    let startupModels: [String]
    let logger: Logger
    let source: ModelSource
    let loader: ModelLoader
    let manager: ModelManager
    // Serialises scan-and-apply passes (the poller's and callers' of reload()).
    let reloadLock = Locked(ReloadContext())
    let poller = RepositoryPoller()

    /// - Parameters:
    ///   - root: the repository directory (`ROOT`).
    ///   - pollInterval: how often the background poller rescans after `start()`.
    ///   - logger: receives state changes (info) and failures (error).
    ///   - control: `poll` (the default), `explicit` or `both`; see `RepositoryControl`.
    ///   - startupModels: in explicit mode, the models `start()` loads; `*` loads every one.
    ///   - loader: loads one `model.onnx`; tests inject fakes.
    public init(root: String, pollInterval: Duration, logger: Logger,
                control: RepositoryControl = .poll, startupModels: [String] = [],
                loader: @escaping @Sendable (String) throws -> Model = { try Model.load(path: $0) }) {
        // Trailing slashes would only make logged paths uglier ("ROOT//iris").
        var root = root
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        self.root = root
        self.pollInterval = pollInterval
        self.control = control
        self.startupModels = startupModels
        self.logger = logger
        self.source = ModelSource(root: root)
        self.loader = ModelLoader(read: loader)
        self.manager = ModelManager(root: root, logger: logger)
    }

    deinit {
        // Never wait here: the last reference may be dropped on the poller thread.
        poller.requestStop()
    }

    // MARK: Lifecycle

    /// Scans the root and loads every selected version before returning (so
    /// the server is ready when it says so), then starts the background
    /// poller (not in explicit mode). Throws `failedPrecondition` when the
    /// root is not a readable directory, the repository was already
    /// started, or a startup model is not in the repository.
    public func start() throws {
        do {
            guard try FileSystem.status(root).kind == .directory else {
                throw ModelServerError(.failedPrecondition, "model repository \(root) is not a directory")
            }
            _ = try FileSystem.entries(of: root)
        } catch let error as FileSystemError {
            throw ModelServerError(.failedPrecondition, "model repository unusable: \(error)")
        }
        try manager.begin()
        if control == .explicit {
            try loadAtStartup()
        } else {
            reload()
        }
        let names = modelNames()
        logger.info("model repository ready: \(names.count) model(s) in \(root) (repository control: \(control.rawValue))",
                    metadata: ["root": "\(root)", "models": "\(names.joined(separator: ","))"])
        guard control != .explicit else { return }
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
        // Under the reload lock, so no pass is between its steps meanwhile.
        reloadLock.withLock { _ in manager.retireAll() }
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
        try manager.acquire(name: name, version: version, label: label)
    }

    /// `observer` runs once for every loaded instance that left service and
    /// drained: a retired version, or an instance replaced by a reload (a
    /// changed model.onnx or config.json). It runs on the thread that
    /// released the last lease, so keep it short. Caches drop its entries here.
    public func addDrainObserver(_ observer: @escaping @Sendable (ServableVersion) -> Void) {
        manager.addDrainObserver(observer)
    }

    // MARK: Status

    /// The status of one version (`version` given) or of every version the
    /// repository tracks for the model, END ones included, sorted by version.
    public func status(name: String, version: Int64?) throws -> [ModelVersionStatus] {
        try manager.status(name: name, version: version)
    }

    /// Every tracked version of the model, sorted by version.
    public func versions(name: String) throws -> [ModelVersionStatus] {
        try manager.status(name: name, version: nil)
    }

    /// The config in force for the model (fan-out models included).
    public func config(name: String) throws -> ModelConfig {
        try manager.config(name: name)
    }

    /// The current problem with the model's config.json (the previous config
    /// stays in force meanwhile), or nil when it is fine or absent.
    public func configError(name: String) throws -> String? {
        try manager.configError(name: name)
    }

    /// Names of the models on disk that serve versions, sorted. Fan-out
    /// models (config.json with `"fan_out"` and no versions) are listed by
    /// `fanOutModelNames()` instead.
    public func modelNames() -> [String] {
        manager.modelNames()
    }

    /// Names of fan-out models (config.json with `"fan_out"`, no versions), sorted.
    public func fanOutModelNames() -> [String] {
        manager.fanOutModelNames()
    }

    /// Counts over `modelNames()` but those repository control holds out of
    /// service: models with an AVAILABLE version, models whose every tracked
    /// version is FAILED, and all of them. The server is healthy when
    /// `available + failed == total` (nothing still loading).
    public func health() -> (available: Int, failed: Int, total: Int) {
        manager.health()
    }
}
