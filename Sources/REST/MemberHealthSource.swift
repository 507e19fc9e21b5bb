/// The health of one member service of a fan-out model, for `/health/all`.
public struct MemberHealth: Sendable, Equatable {
    /// The fan-out model the member belongs to.
    public var model: String
    /// The member's name in the model's config, e.g. "setosa".
    public var member: String
    /// Where it is called, e.g. "member-setosa:8500".
    public var address: String
    public var healthy: Bool
    /// Why it is not healthy (empty when it is).
    public var message: String

    public init(model: String, member: String, address: String, healthy: Bool, message: String = "") {
        self.model = model
        self.member = member
        self.address = address
        self.healthy = healthy
        self.message = message
    }
}

/// Reports the member services of fan-out models (the aggregator knows
/// them; the REST adapter does not). Set one on the ``RESTServer`` to have
/// `/health/all` list every member and count it in the overall status.
///
/// Thread-safety: called on loop threads; `completion` runs exactly once, on
/// any thread, and should come within the caller's patience (a health check
/// answers with what it knows rather than waiting long on a dead member).
public protocol MemberHealthSource: Sendable {
    func memberHealth(completion: @escaping @Sendable ([MemberHealth]) -> Void)
}
