/// Holds a version in service while a call runs: the repository does not
/// unload a version while any lease on it is outstanding.
///
/// Get one from `ModelRepository.acquire`, use `servable.model`, then call
/// `release()` exactly once (e.g. in a `defer`). A struct, so taking a lease
/// allocates nothing.
public struct ServableLease: Sendable {
    /// The version serving this call.
    public let servable: ServableVersion

    init(servable: ServableVersion) {
        self.servable = servable
    }

    /// Ends the lease. If the version left service meanwhile and this was its
    /// last lease, the version is unloaded on this thread (a short lock, no I/O).
    public func release() {
        servable.releaseLease()
    }
}
