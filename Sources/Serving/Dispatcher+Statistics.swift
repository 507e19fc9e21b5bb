import ModelServer
import Wire

// GetModelStatistics: the recorder's counters for every version the
// repository tracks (zeros for one not called yet).
extension Dispatcher {
    func modelStatistics(_ request: GetModelStatisticsRequest) -> Result<GetModelStatisticsResponse, WireError> {
        let spec = request.modelSpec
        let names = spec.name.isEmpty ? repository.modelNames().sorted() : [spec.name]
        var stats: [ModelVersionStatistics] = []
        for name in names {
            let versions: [ModelServer.ModelVersionStatus]
            do {
                versions = try repository.status(name: name, version: spec.version)
            } catch {
                // Every model: one removed meanwhile is simply not listed.
                if spec.name.isEmpty { continue }
                return .failure(.from(error))
            }
            for v in versions where v.state != .end {
                stats.append(statistics.snapshot(name: name, version: v.version))
            }
        }
        return .success(GetModelStatisticsResponse(modelStats: stats))
    }
}
