/// Asks whether the server is ready to serve.
public struct HealthRequest: Sendable, Equatable {
    public init() {}
}

/// Whether the server is ready, and its version.
public struct HealthResponse: Sendable, Equatable {
    /// True when every model has an AVAILABLE version or has FAILED
    /// (nothing is still loading).
    public var serving: Bool
    /// The server's version string.
    public var version: String
    public var modelsAvailable: UInt32
    public var modelsTotal: UInt32

    public init(serving: Bool, version: String, modelsAvailable: UInt32, modelsTotal: UInt32) {
        self.serving = serving
        self.version = version
        self.modelsAvailable = modelsAvailable
        self.modelsTotal = modelsTotal
    }
}
