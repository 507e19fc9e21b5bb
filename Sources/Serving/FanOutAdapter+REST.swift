import Aggregator
import REST

/// `/health/all` lists fan-out members as the aggregator sees them: a member
/// is healthy when it is served in this process with an AVAILABLE model, or
/// when at least one pooled connection to it is open.
extension FanOutAdapter: MemberHealthSource {
    public func memberHealth(completion: @escaping @Sendable ([MemberHealth]) -> Void) {
        // A snapshot of pool state: no network round trip, so it answers at once.
        completion(aggregator.memberHealth().map { m in
            let healthy = m.state == .inProcess || m.state == .connected
            let address = m.endpoint.map { "\($0.host):\($0.port)" } ?? "in-process"
            let message = healthy ? "" : (m.lastError ?? m.state.rawValue)
            return MemberHealth(model: m.model, member: m.member, address: address, healthy: healthy, message: message)
        })
    }
}
