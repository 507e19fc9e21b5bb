import Logging
import ModelRuntime

/// The manager's transitions: what a source snapshot changes (config
/// applied, versions to load, versions to retire), what a finished load
/// changes, and when versions the policy excludes may leave. Each is
/// computed under the state lock; log lines and drains happen after it.
extension ModelManager {
    /// Applies a snapshot: config changes take effect, removed and unwanted
    /// versions leave service, and the versions to load are returned, newest
    /// first (they are START then LOADING when this returns).
    func aspire(_ snapshot: SourceSnapshot) -> [LoadJob] {
        var logs: [PendingLog] = []
        let (jobs, drains) = state.withLock { plan(snapshot, &$0, &logs) }
        finish(logs, drains)
        return jobs
    }

    /// Records a load's outcome: AVAILABLE (swapping out a replaced instance) or FAILED.
    func loaded(_ job: LoadJob, _ outcome: LoadOutcome) {
        var logs: [PendingLog] = []
        let drains = state.withLock { apply(job, outcome, &$0, &logs) }
        finish(logs, drains)
    }

    /// After the loads of a pass: retires versions the policy excludes once
    /// every version it selects is AVAILABLE, and forgets what ended.
    func settle(_ snapshot: SourceSnapshot) {
        var logs: [PendingLog] = []
        let drains = state.withLock { retireExcluded(snapshot, &$0, &logs) }
        finish(logs, drains)
    }

    private func finish(_ logs: [PendingLog], _ drains: [ServableVersion]) {
        for line in logs {
            logger.log(level: line.level, "\(line.message)", metadata: line.metadata)
        }
        for servable in drains {
            servable.beginDraining()
        }
    }

    static func stateLog(_ name: String, _ version: Int64, _ state: ModelVersionState,
                                 _ detail: String = "", level: Logger.Level = .info,
                                 milliseconds: Double? = nil, error: String? = nil) -> PendingLog {
        var metadata: Logger.Metadata = ["model": "\(name)", "version": "\(version)", "state": "\(state)"]
        var message = "model \(name) version \(version) \(state)"
        if let milliseconds {
            let rounded = (milliseconds * 10).rounded() / 10
            metadata["load_ms"] = "\(rounded)"
            message += " (load and warm-up \(rounded) ms)"
        }
        if !detail.isEmpty { message += ": \(detail)" }
        if let error {
            metadata["error"] = "\(error)"
            message += ": \(error)"
        }
        return PendingLog(level: level, message: message, metadata: metadata)
    }

    // MARK: Planning (under the state lock)

    private func plan(_ snapshot: SourceSnapshot, _ state: inout RepositoryState,
                      _ logs: inout [PendingLog]) -> ([LoadJob], [ServableVersion]) {
        let scan = snapshot.scan
        var jobs: [LoadJob] = []
        var drains: [ServableVersion] = []

        // Models whose directory is gone: everything leaves service.
        for name in state.models.keys where scan.models[name] == nil {
            var model = state.models[name]!
            if model.onDisk {
                model.onDisk = false
                logs.append(PendingLog(level: .info, message: "model \(name) removed from \(root)",
                                       metadata: ["model": "\(name)"]))
            }
            retire(name, &model, versions: Array(model.versions.keys), reason: "model directory removed",
                   &drains, &logs)
            state.models[name] = model
        }

        for (name, disk) in scan.models.sorted(by: { $0.key < $1.key }) {
            // An unlistable directory: keep what is loaded, report (done by the scan).
            guard disk.listError == nil else { continue }
            let isNew = state.models[name] == nil
            var model = state.models[name] ?? ModelRecord()
            if !model.onDisk {
                model.onDisk = true
            }
            if isNew {
                logs.append(PendingLog(level: .info, message: "model \(name) found in \(root)",
                                       metadata: ["model": "\(name)"]))
            }
            applyConfig(name, snapshot.configs[name] ?? .unchanged, isNew: isNew, &model, &drains, &logs)
            model.held = snapshot.held.contains(name)

            if isNew && model.config.isFanOut && disk.versions.isEmpty {
                logs.append(PendingLog(level: .debug,
                    message: "model \(name) is a fan-out model; it has no versions to load here",
                    metadata: ["model": "\(name)"]))
            }

            let removed = model.versions.keys.filter { disk.versions[$0] == nil }
            retire(name, &model, versions: removed, reason: "removed from disk", &drains, &logs)

            if !model.hasUsableConfig && !model.held {
                let message = "cannot load: config.json has never been valid: \(model.configError ?? "unknown problem")"
                for version in disk.versions.keys.sorted() {
                    let record = model.versions[version]
                    if record?.state == .failed && record?.error == message { continue }
                    model.versions[version] = VersionRecord(state: .failed, error: message)
                    logs.append(Self.stateLog(name, version, .failed, level: .error, error: message))
                }
                model.refreshLatest()
                state.models[name] = model
                continue
            }

            let desired = snapshot.aspiredVersions(name, disk, config: model.config)
            for version in desired.sorted(by: >) {
                let file = disk.versions[version]!
                let path = disk.modelPath(version)
                let record = model.versions[version]
                switch (file, record?.state) {
                case (.unusable(let message), .available?):
                    if record?.file != file {
                        model.versions[version]!.file = file
                        logs.append(Self.stateLog(name, version, .available,
                            "keeps serving the previously loaded file, but the file on disk is now unusable",
                            level: .error, error: message))
                    }
                case (.unusable(let message), _):
                    if record?.state == .failed && record?.error == message { continue }
                    model.versions[version] = VersionRecord(state: .failed, error: message, file: file)
                    logs.append(Self.stateLog(name, version, .failed, level: .error, error: message))
                case (.file, nil), (.file, .end?), (.file, .unloading?):
                    model.versions[version] = VersionRecord(state: .start)
                    logs.append(Self.stateLog(name, version, .start))
                    model.versions[version]!.state = .loading
                    logs.append(Self.stateLog(name, version, .loading))
                    jobs.append(LoadJob(name: name, version: version, path: path, file: file, replacing: false))
                case (.file, .failed?):
                    guard record?.file != file else { continue }  // same broken file: wait for a change
                    model.versions[version] = VersionRecord(state: .loading)
                    logs.append(Self.stateLog(name, version, .loading, "file changed; retrying"))
                    jobs.append(LoadJob(name: name, version: version, path: path, file: file, replacing: false))
                case (.file, .available?):
                    guard record?.file != file else { continue }
                    logs.append(Self.stateLog(name, version, .available, "model.onnx changed; loading it beside the serving copy"))
                    jobs.append(LoadJob(name: name, version: version, path: path, file: file, replacing: true))
                case (.file, .start?), (.file, .loading?):
                    // Not reachable: passes are serialised and finish their loads.
                    continue
                }
            }

            // Versions on disk the policy no longer wants and that never
            // served leave now; AVAILABLE ones wait for `retireExcluded`.
            let unwanted = model.versions.filter { version, record in
                disk.versions[version] != nil && !desired.contains(version)
                    && [.start, .loading, .failed].contains(record.state)
            }.map(\.key)
            retire(name, &model, versions: unwanted, reason: snapshot.exclusionReason(name), &drains, &logs)

            model.refreshLatest()
            state.models[name] = model
        }
        return (jobs, drains)
    }

    private func applyConfig(_ name: String, _ update: ConfigUpdate, isNew: Bool, _ model: inout ModelRecord,
                             _ drains: inout [ServableVersion], _ logs: inout [PendingLog]) {
        let metadata: Logger.Metadata = ["model": "\(name)"]
        var newConfig: ModelConfig?
        switch update {
        case .unchanged:
            return
        case .absent:
            guard model.configStamp != nil || model.configError != nil else { return }
            model.configStamp = nil
            model.configError = nil
            model.hasUsableConfig = true
            newConfig = .default
            logs.append(PendingLog(level: .info, message: "model \(name): config.json removed; using defaults",
                                   metadata: metadata))
        case .parsed(let config, let stamp):
            model.configStamp = stamp
            if model.configError != nil {
                logs.append(PendingLog(level: .info, message: "model \(name): config.json is valid again",
                                       metadata: metadata))
            }
            model.configError = nil
            model.hasUsableConfig = true
            newConfig = config
        case .broken(let message, let stamp):
            model.configStamp = stamp
            if model.configError != message {
                let consequence = isNew || !model.hasUsableConfig
                    ? "its versions cannot load until it is fixed" : "keeping the previous config"
                logs.append(PendingLog(level: .error, message: "model \(name): \(message); \(consequence)",
                                       metadata: metadata))
            }
            model.configError = message
            if isNew { model.hasUsableConfig = false }
            return
        }
        guard let newConfig, newConfig != model.config else { return }
        model.config = newConfig
        if !isNew {
            logs.append(PendingLog(level: .info, message: "model \(name): config.json applied", metadata: metadata))
        }
        // Loaded versions keep their Model; only the config they serve with changes.
        for (version, record) in model.versions where record.state == .available {
            guard let old = record.servable else { continue }
            model.versions[version]!.servable = makeServable(name, version, old.model, newConfig)
            drains.append(old)
        }
    }

    /// Takes `versions` out of service: AVAILABLE ones start UNLOADING (and
    /// end when drained); ones that never served go straight to END.
    private func retire(_ name: String, _ model: inout ModelRecord, versions: [Int64], reason: String,
                        _ drains: inout [ServableVersion], _ logs: inout [PendingLog]) {
        for version in versions.sorted() {
            guard let record = model.versions[version] else { continue }
            switch record.state {
            case .available:
                model.versions[version]!.state = .unloading
                logs.append(Self.stateLog(name, version, .unloading, reason))
                if let servable = record.servable { drains.append(servable) }
            case .start, .loading, .failed:
                model.versions[version] = VersionRecord(state: .end)
                logs.append(Self.stateLog(name, version, .end, reason))
            case .unloading, .end:
                break
            }
        }
        model.refreshLatest()
    }

    func makeServable(_ name: String, _ version: Int64, _ model: Model, _ config: ModelConfig) -> ServableVersion {
        ServableVersion(name: name, version: version, model: model, config: config) { [weak self] servable in
            self?.servableDrained(servable)
        }
    }

    // MARK: Applying results (under the state lock)

    private func apply(_ job: LoadJob, _ outcome: LoadOutcome, _ state: inout RepositoryState,
                       _ logs: inout [PendingLog]) -> [ServableVersion] {
        // Only this pass changes these records (passes are serialised, and
        // draining touches UNLOADING instances only), so they are still there.
        guard var model = state.models[job.name], let record = model.versions[job.version] else { return [] }
        var drains: [ServableVersion] = []
        switch outcome {
        case .loaded(let loaded, let ms):
            let servable = makeServable(job.name, job.version, loaded, model.config)
            if job.replacing, let old = record.servable {
                drains.append(old)
                logs.append(Self.stateLog(job.name, job.version, .available, "now serving the changed model.onnx",
                                          milliseconds: ms))
            } else {
                logs.append(Self.stateLog(job.name, job.version, .available, milliseconds: ms))
            }
            model.versions[job.version] = VersionRecord(state: .available, servable: servable, file: job.file)
        case .failed(let message, let ms):
            if job.replacing {
                model.versions[job.version]!.file = job.file
                logs.append(Self.stateLog(job.name, job.version, .available,
                    "the changed model.onnx failed to load; still serving the previously loaded file",
                    level: .error, milliseconds: ms, error: message))
            } else {
                model.versions[job.version] = VersionRecord(state: .failed, error: message, file: job.file)
                logs.append(Self.stateLog(job.name, job.version, .failed, level: .error, milliseconds: ms, error: message))
            }
        }
        model.refreshLatest()
        state.models[job.name] = model
        return drains
    }

    /// After the loads: versions the policy excludes but that still serve
    /// leave once every version the policy selects is AVAILABLE (so a
    /// failing new version never takes the model out of service). Also
    /// forgets models whose directory is gone and whose versions all ended.
    private func retireExcluded(_ snapshot: SourceSnapshot, _ state: inout RepositoryState,
                                _ logs: inout [PendingLog]) -> [ServableVersion] {
        let scan = snapshot.scan
        var drains: [ServableVersion] = []
        for (name, disk) in scan.models where disk.listError == nil {
            guard var model = state.models[name], model.hasUsableConfig || model.held else { continue }
            let desired = snapshot.aspiredVersions(name, disk, config: model.config)
            guard desired.allSatisfy({ model.versions[$0]?.state == .available }) else { continue }
            let excluded = model.versions.filter { !desired.contains($0.key) && $0.value.state == .available }.map(\.key)
            guard !excluded.isEmpty else { continue }
            retire(name, &model, versions: excluded, reason: snapshot.exclusionReason(name), &drains, &logs)
            state.models[name] = model
        }
        for (name, model) in state.models where !model.onDisk && model.versions.values.allSatisfy({ $0.state == .end }) {
            state.models[name] = nil
        }
        // END records of versions gone from disk are history; keep the newest
        // few for status, so a long-lived server with many deployments does
        // not grow without bound.
        for (name, disk) in scan.models where disk.listError == nil {
            guard let model = state.models[name] else { continue }
            let gone = model.versions.filter { $0.value.state == .end && disk.versions[$0.key] == nil }.keys.sorted(by: >)
            for version in gone.dropFirst(Self.endedVersionsKept) {
                state.models[name]!.versions[version] = nil
            }
        }
        return drains
    }
}
