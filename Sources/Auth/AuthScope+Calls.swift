import Wire

// The one table of what each call needs. REST routes turn into these calls,
// so they inherit it; the only REST pages without a call are health and
// readiness (open, answered by the `health` call) and `/metrics` (scope
// `metrics`, checked by the REST router).
extension AuthScope {
    /// The scope `call` needs, or nil for a call anyone may make (health).
    public static func required(for call: Request.Call) -> AuthScope? {
        switch call {
        case .predict, .getModelStatus, .getModelMetadata, .getModelStatistics, .listModels: return .predict
        case .submit, .getJob: return .jobs
        case .loadModel, .unloadModel: return .admin
        case .health: return nil
        }
    }
}
