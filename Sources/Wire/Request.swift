/// A call from a client: the envelope every binary request travels in.
/// The REST adapter builds the same values from JSON.
public struct Request: Sendable {
    /// What the client asks for: one case per `oneof call` field.
    public enum Call: Sendable {
        case predict(PredictRequest)
        case submit(SubmitRequest)
        case getJob(GetJobRequest)
        case getModelStatus(GetModelStatusRequest)
        case getModelMetadata(GetModelMetadataRequest)
        case listModels(ListModelsRequest)
        case health(HealthRequest)
        case getModelStatistics(GetModelStatisticsRequest)
        case loadModel(ModelControlRequest)
        case unloadModel(ModelControlRequest)

        /// The call's name for logs and messages, e.g. "predict".
        public var name: String {
            switch self {
            case .predict: return "predict"
            case .submit: return "submit"
            case .getJob: return "get_job"
            case .getModelStatus: return "get_model_status"
            case .getModelMetadata: return "get_model_metadata"
            case .listModels: return "list_models"
            case .health: return "health"
            case .getModelStatistics: return "get_model_statistics"
            case .loadModel: return "load_model"
            case .unloadModel: return "unload_model"
            }
        }
    }

    /// Echoed in the response; lets a client pipeline calls on one connection.
    public var id: UInt64
    public var call: Call
    /// The caller's own deadline in milliseconds from when the server received
    /// the request; 0 means none.
    public var timeoutMs: UInt32
    /// True: Predict answers from the model, never from the prediction cache
    /// (the fresh answer still refreshes the cache).
    public var noCache: Bool
    /// The caller's bearer token (`auth_token`); nil = none sent.
    public var authToken: String?

    public init(id: UInt64, call: Call, timeoutMs: UInt32 = 0, noCache: Bool = false,
                authToken: String? = nil) {
        self.id = id
        self.call = call
        self.timeoutMs = timeoutMs
        self.noCache = noCache
        self.authToken = authToken
    }

    /// The absolute deadline for a request received at `receivedAt`, or nil
    /// when the caller set no timeout.
    public func deadline(receivedAt: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        timeoutMs == 0 ? nil : receivedAt.advanced(by: .milliseconds(Int64(timeoutMs)))
    }
}
