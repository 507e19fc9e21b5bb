/// The answer to one `Request`: its id, a status and, on success, a result.
public struct Response: Sendable {
    /// A successful call's result: one case per `oneof result` field.
    public enum CallResult: Sendable {
        case predict(PredictResponse)
        case submit(SubmitResponse)
        case getJob(GetJobResponse)
        case getModelStatus(GetModelStatusResponse)
        case getModelMetadata(GetModelMetadataResponse)
        case listModels(ListModelsResponse)
        case getModelStatistics(GetModelStatisticsResponse)
        /// The model's versions after a load or an unload.
        case loadModel(GetModelStatusResponse)
        case unloadModel(GetModelStatusResponse)
        case health(HealthResponse)
    }

    /// The id of the request this answers (0 when the request could not be decoded).
    public var id: UInt64
    public var status: Status
    /// Nil when `status` is not OK.
    public var result: CallResult?

    public init(id: UInt64, status: Status = .ok, result: CallResult? = nil) {
        self.id = id
        self.status = status
        self.result = result
    }

    /// A successful response carrying `result`.
    public static func success(id: UInt64, _ result: CallResult) -> Response {
        Response(id: id, status: .ok, result: result)
    }

    /// A failed response carrying `error` as its status.
    public static func failure(id: UInt64, _ error: WireError) -> Response {
        Response(id: id, status: error.status, result: nil)
    }
}
