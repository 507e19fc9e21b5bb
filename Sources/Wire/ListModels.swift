/// Asks for every model the server knows and its versions' states.
public struct ListModelsRequest: Sendable, Equatable {
    public init() {}
}

/// One model in a `ListModelsResponse`.
public struct ModelSummary: Sendable, Equatable {
    public var name: String
    public var versions: [ModelVersionStatus]

    public init(name: String, versions: [ModelVersionStatus]) {
        self.name = name
        self.versions = versions
    }
}

/// Every model the server knows, by name.
public struct ListModelsResponse: Sendable, Equatable {
    public var models: [ModelSummary]

    public init(models: [ModelSummary]) { self.models = models }
}
