import Aggregator
import Wire

extension Dispatcher {
    /// Fan-out models as ListModels reports them: one entry each with a
    /// single status (version 0, as they have no versions of their own):
    /// AVAILABLE while they can answer (`require_all`: every member
    /// reachable; `best_effort`: at least one), else FAILED with an
    /// UNAVAILABLE status naming the unreachable members, so health pages
    /// built on ListModels (`/health/all`) see a member that is down.
    func fanOutModelSummaries() -> [ModelSummary] {
        guard let adapter = fanOut as? FanOutAdapter else { return [] }
        return adapter.aggregator.readiness().map { r in
            let status = r.problem.map { Status(r.ready ? .ok : .unavailable, $0) } ?? .ok
            return ModelSummary(name: r.model, versions: [
                Wire.ModelVersionStatus(version: 0, state: r.ready ? .available : .failed, status: r.ready ? .ok : status),
            ])
        }
    }
}
