/// Who decides which models serve (Triton's model control mode).
public enum RepositoryControl: String, Sendable, CaseIterable {
    /// The poller alone: every model on disk serves, changes apply as they
    /// are found; explicit load and unload are refused.
    case poll
    /// Load and unload alone: no poller; a model serves once loaded (at
    /// startup or by a load call), and each load rereads the repository.
    case explicit
    /// The poller, plus load and unload: an explicit unload holds until an
    /// explicit load, whatever the poller finds meanwhile.
    case both
}
