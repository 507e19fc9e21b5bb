import ModelRuntime
import ModelServer
import Wire

// The repository calls: GetModelStatus, GetModelMetadata, ListModels, Health.

extension Dispatcher {
    func modelStatus(_ request: GetModelStatusRequest) -> Result<GetModelStatusResponse, WireError> {
        let spec = request.modelSpec
        if let error = Self.checkSpec(spec) { return .failure(error) }
        do {
            var version = spec.version
            if let label = spec.versionLabel {
                let labels = try repository.config(name: spec.name).versionLabels
                guard let labelled = labels[label] else {
                    return .failure(WireError(.notFound, "model '\(spec.name)' has no version label '\(label)'; labels: "
                        + (labels.isEmpty ? "none" : labels.keys.sorted().joined(separator: ", "))))
                }
                version = labelled
            }
            let statuses = try repository.status(name: spec.name, version: version)
            return .success(GetModelStatusResponse(name: spec.name, versions: statuses.map(Self.wireStatus)))
        } catch {
            return .failure(.from(error))
        }
    }

    func modelMetadata(_ request: GetModelMetadataRequest) -> Result<GetModelMetadataResponse, WireError> {
        let spec = request.modelSpec
        if let error = Self.checkSpec(spec) { return .failure(error) }
        do {
            // The signature belongs to a loaded version, so hold one while reading it.
            let lease = try repository.acquire(name: spec.name, version: spec.version, label: spec.versionLabel)
            defer { lease.release() }
            let servable = lease.servable
            let config = servable.config
            let available = try repository.versions(name: spec.name)
                .filter { $0.state == .available }
                .map(\.version)
                .sorted()
            return .success(GetModelMetadataResponse(
                modelSpec: ModelSpec(name: servable.name, version: servable.version, versionLabel: spec.versionLabel),
                inputs: servable.model.inputs.map(Self.tensorInfo),
                outputs: servable.model.outputs.map(Self.tensorInfo),
                classLabels: config.classLabels,
                versions: available,
                versionLabels: config.versionLabels,
                producer: servable.model.producer,
                maxBatchSize: Int64(config.maxBatchSize ?? 0),
                featureNames: config.featureNames,
                versionPolicy: Self.wirePolicy(config.versionPolicy)))
        } catch {
            return .failure(.from(error))
        }
    }

    func listModels() -> ListModelsResponse {
        var models: [ModelSummary] = []
        for name in repository.modelNames().sorted() {
            // A model removed between the two calls is simply not listed.
            guard let versions = try? repository.versions(name: name) else { continue }
            models.append(ModelSummary(name: name, versions: versions.map(Self.wireStatus)))
        }
        models += fanOutModelSummaries()
        models.sort { $0.name < $1.name }
        return ListModelsResponse(models: models)
    }

    func health() -> HealthResponse {
        let h = repository.health()
        // Serving once nothing is still on its way: every model is either
        // available or has failed for good (and says why in its status).
        return HealthResponse(serving: h.available + h.failed >= h.total, version: serverVersion,
                              modelsAvailable: UInt32(clamping: h.available), modelsTotal: UInt32(clamping: h.total))
    }

    // MARK: Conversions

    static func wirePolicy(_ policy: VersionPolicy) -> ServedVersionPolicy {
        switch policy {
        case .latest(let n): return .latest(n)
        case .all: return .all
        case .specific(let versions): return .specific(versions)
        }
    }

    static func wireStatus(_ s: ServerVersionStatus) -> Wire.ModelVersionStatus {
        let state: Wire.ModelVersionStatus.State
        switch s.state {
        case .start: state = .start
        case .loading: state = .loading
        case .available: state = .available
        case .unloading: state = .unloading
        case .end: state = .end
        case .failed: state = .failed
        }
        // The repository keeps only the load error's text; TF Serving reports
        // such errors as UNKNOWN when no more specific code applies.
        let status = s.error.map { Status(.unknown, $0) } ?? .ok
        return Wire.ModelVersionStatus(version: s.version, state: state, status: status, labels: s.labels)
    }

    /// A declared input or output as metadata: symbolic dimensions become -1;
    /// a ZipMap output is described by its probability tensor plus the dtype
    /// of its labels.
    static func tensorInfo(_ info: ValueInfo) -> TensorInfo {
        switch info.type {
        case .tensor(let elementType, let shape):
            let dims = (shape ?? []).map { dim -> Int64 in
                if case .fixed(let n) = dim { return Int64(n) }
                return -1
            }
            return TensorInfo(name: info.name, dtype: DataType(elementType), shape: dims)
        case .sequenceOfMaps(let key, let value):
            // The class count is not part of the declared type, so both
            // dimensions of [rows, classes] are open.
            return TensorInfo(name: info.name, dtype: DataType(value), shape: [-1, -1],
                              kind: .zipMap, labelDtype: DataType(key))
        }
    }
}
