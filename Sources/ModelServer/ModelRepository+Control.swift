extension ModelRepository {
    /// Loads model `name` (or reloads it, where its files changed) and
    /// returns its versions' status once the pass finished. The repository
    /// is reread, so in explicit mode changes to other loaded models apply
    /// too. Ends an unload's hold: in `both` mode the poller keeps the model
    /// up to date from then on.
    ///
    /// Throws `ModelServerError`: `failedPrecondition` in poll mode, for a fan-out model, or
    /// when no version became AVAILABLE (naming why); `notFound` when the
    /// repository has no such model.
    public func load(name: String) throws -> [ModelVersionStatus] {
        try requireControl("load")
        reloadLock.withLock { context in
            context.loaded.insert(name)
            context.unloaded.remove(name)
            pass(&context)
        }
        let statuses: [ModelVersionStatus]
        do {
            statuses = try manager.status(name: name, version: nil)
        } catch {
            reloadLock.withLock { _ = $0.loaded.remove(name) }
            throw error
        }
        if try manager.config(name: name).isFanOut && statuses.isEmpty {
            throw ModelServerError(.failedPrecondition, "model '\(name)' is a fan-out model; it has no versions to load")
        }
        guard statuses.contains(where: { $0.state == .available }) else {
            let reasons = statuses.filter { $0.state != .end }
                .map { "version \($0.version) is \($0.state)" + ($0.error.map { ": \($0)" } ?? "") }
            throw ModelServerError(.failedPrecondition,
                "model '\(name)' did not load: " + (reasons.isEmpty ? "no versions on disk" : reasons.joined(separator: "; ")))
        }
        return statuses
    }

    /// Takes model `name` out of service: its versions start UNLOADING and
    /// end once their in-flight calls finished (the same drain as a hot
    /// reload). The hold lasts until `load(name:)`, whatever the poller
    /// finds meanwhile. Returns the versions' status after the call.
    ///
    /// Throws `ModelServerError`: `failedPrecondition` in poll mode or for a fan-out model;
    /// `notFound` when the repository has no such model.
    public func unload(name: String) throws -> [ModelVersionStatus] {
        try requireControl("unload")
        if try manager.config(name: name).isFanOut && manager.status(name: name, version: nil).isEmpty {
            throw ModelServerError(.failedPrecondition, "model '\(name)' is a fan-out model; it has no versions to unload")
        }
        reloadLock.withLock { context in
            context.loaded.remove(name)
            context.unloaded.insert(name)
            pass(&context)
        }
        return try manager.status(name: name, version: nil)
    }

    /// Explicit mode's first pass: holds every model but `startupModels`.
    func loadAtStartup() throws {
        var names = Set(startupModels)
        if names.contains("*") {
            do {
                names = Set(try source.scanner.scan().models.keys)
            } catch {
                throw ModelServerError(.failedPrecondition, "model repository unusable: \(error)")
            }
        }
        reloadLock.withLock { context in
            context.loaded = names
            pass(&context)
        }
        let known = Set(modelNames() + fanOutModelNames())
        if let missing = startupModels.first(where: { $0 != "*" && !known.contains($0) }) {
            throw ModelServerError(.failedPrecondition,
                "cannot load model '\(missing)' at startup: model repository \(root) has no such model")
        }
    }

    private func requireControl(_ action: String) throws(ModelServerError) {
        guard control != .poll else {
            throw ModelServerError(.failedPrecondition,
                "cannot \(action) models: the repository is in poll mode (models follow the directory); "
                    + "start the server with --repository-control explicit or both to load and unload explicitly")
        }
    }

    /// The models repository control keeps out of service, of those on disk.
    func heldModels(onDisk names: Dictionary<String, DiskModel>.Keys, _ context: ReloadContext) -> Set<String> {
        switch control {
        case .poll: return []
        case .explicit: return Set(names).subtracting(context.loaded)
        case .both: return context.unloaded
        }
    }
}
