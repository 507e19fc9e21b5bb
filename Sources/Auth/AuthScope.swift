/// What a token may do. A token holds a set of scopes; each call needs one.
public enum AuthScope: String, Sendable, CaseIterable {
    /// Predict, model status, metadata, config, statistics, the model list and the repository index.
    case predict
    /// Submit and GetJob.
    case jobs
    /// Repository load and unload: anything that changes what serves.
    case admin
    /// The Prometheus page (`/metrics`).
    case metrics
}

/// A set of scopes: what one token is granted (`*` grants them all).
public struct AuthScopes: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public init(_ scope: AuthScope) {
        switch scope {
        case .predict: self = .predict
        case .jobs: self = .jobs
        case .admin: self = .admin
        case .metrics: self = .metrics
        }
    }

    public static let predict = AuthScopes(rawValue: 1 << 0)
    public static let jobs = AuthScopes(rawValue: 1 << 1)
    public static let admin = AuthScopes(rawValue: 1 << 2)
    public static let metrics = AuthScopes(rawValue: 1 << 3)
    /// `*`: every scope.
    public static let all: AuthScopes = [.predict, .jobs, .admin, .metrics]

    /// True when the set grants `scope`.
    public func grants(_ scope: AuthScope) -> Bool { contains(AuthScopes(scope)) }
}
