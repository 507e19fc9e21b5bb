/// Which model (and optionally which version) a call is about.
///
/// With neither `version` nor `versionLabel`, the newest AVAILABLE version serves.
/// In a response, `version` is the version that actually served the call.
public struct ModelSpec: Sendable, Equatable {
    public var name: String
    public var version: Int64?
    /// A label from the model's config, e.g. "stable" or "canary".
    public var versionLabel: String?

    public init(name: String, version: Int64? = nil, versionLabel: String? = nil) {
        self.name = name
        self.version = version
        self.versionLabel = versionLabel
    }
}
