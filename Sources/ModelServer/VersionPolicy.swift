/// Which of the versions found on disk a model serves (TF Serving's
/// `ServableVersionPolicy`). Set by `"version_policy"` in config.json.
public enum VersionPolicy: Sendable, Equatable {
    /// The N highest version numbers (`{"latest": N}`); the default is `.latest(1)`.
    case latest(Int)
    /// Every version on disk (`{"all": true}`).
    case all
    /// Exactly these versions, when present on disk (`{"specific": [1, 3]}`).
    case specific([Int64])

    /// The versions of `onDisk` this policy wants loaded.
    public func select(from onDisk: some Collection<Int64>) -> Set<Int64> {
        switch self {
        case .latest(let n):
            return Set(onDisk.sorted(by: >).prefix(max(n, 0)))
        case .all:
            return Set(onDisk)
        case .specific(let wanted):
            return Set(onDisk).intersection(wanted)
        }
    }
}
