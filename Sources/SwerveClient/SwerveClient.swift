import TLS
import Transport
import Wire

/// A synchronous client for swerve's binary protocol: one connection, one
/// call at a time (use several clients for concurrency).
///
/// Thread-safety: not thread-safe; use a client from one thread at a time.
public final class SwerveClient {
    public let address: ServerAddress
    private let connection: BlockingFrameClient
    private var nextID: UInt64 = 1
    private var requestBuffer: [UInt8] = []
    /// Sent with every call (`auth_token`) to a server started with `--auth-tokens`; nil sends none.
    public var token: String?

    /// Connects to `address`.
    /// - Parameters:
    ///   - connectTimeout: bound on connection setup.
    ///   - callTimeout: how long a call waits for its answer; also sent to the
    ///     server as the request's `timeout_ms`. Nil waits forever.
    ///   - tls: speak TLS, checking the server's certificate against `address.host`; nil = plain text.
    ///   - token: the bearer token sent with every call; nil sends none.
    public init(address: ServerAddress, connectTimeout: Duration = .seconds(5),
                callTimeout: Duration? = .seconds(30), tls: TLSClientContext? = nil, token: String? = nil) throws {
        self.address = address
        self.token = token
        do {
            connection = try BlockingFrameClient(host: address.host, port: address.port,
                                                 connectTimeout: connectTimeout, ioTimeout: callTimeout,
                                                 transform: tls?.makeTransform(serverName: address.host))
        } catch {
            throw SwerveClientError.transport("cannot connect to \(address): \(error)")
        }
    }

    /// Closes the connection. Idempotent.
    public func close() { connection.close() }

    /// Sends one call and returns its result, throwing `.status` for a
    /// non-OK answer.
    public func call(_ call: Request.Call, timeoutMs: UInt32 = 0) throws -> Response.CallResult {
        let id = nextID
        nextID &+= 1
        requestBuffer.removeAll(keepingCapacity: true)
        ProtobufCodec.encode(Request(id: id, call: call, timeoutMs: timeoutMs, authToken: token), into: &requestBuffer)
        let payload: [UInt8]
        do {
            payload = try connection.call(requestBuffer)
        } catch {
            throw SwerveClientError.transport("\(address): \(error)")
        }
        let response: Response
        switch payload.withUnsafeBytes({ ProtobufCodec.decodeResponse($0) }) {
        case .success(let r): response = r
        case .failure(let e): throw SwerveClientError.protocolViolation("undecodable response: \(e.message)")
        }
        guard response.status.isOK else { throw SwerveClientError.status(response.status) }
        // An error for an undecodable frame carries id 0; anything else must match.
        guard response.id == id else {
            throw SwerveClientError.protocolViolation("response id \(response.id) does not match request id \(id)")
        }
        guard let result = response.result else {
            throw SwerveClientError.protocolViolation("OK response without a result")
        }
        return result
    }

    /// Runs a model.
    public func predict(_ request: PredictRequest, timeoutMs: UInt32 = 0) throws -> PredictResponse {
        guard case .predict(let r) = try call(.predict(request), timeoutMs: timeoutMs) else {
            throw SwerveClientError.protocolViolation("predict answered with another result")
        }
        return r
    }

    /// The version states of a model (all versions, or `spec.version`).
    public func modelStatus(_ spec: ModelSpec) throws -> GetModelStatusResponse {
        guard case .getModelStatus(let r) = try call(.getModelStatus(GetModelStatusRequest(modelSpec: spec))) else {
            throw SwerveClientError.protocolViolation("get_model_status answered with another result")
        }
        return r
    }

    /// A model's inputs, outputs, labels and versions.
    public func metadata(_ spec: ModelSpec) throws -> GetModelMetadataResponse {
        guard case .getModelMetadata(let r) = try call(.getModelMetadata(GetModelMetadataRequest(modelSpec: spec))) else {
            throw SwerveClientError.protocolViolation("get_model_metadata answered with another result")
        }
        return r
    }

    /// Every model in the repository with its versions.
    public func listModels() throws -> ListModelsResponse {
        guard case .listModels(let r) = try call(.listModels(ListModelsRequest())) else {
            throw SwerveClientError.protocolViolation("list_models answered with another result")
        }
        return r
    }

    /// Whether the server is serving.
    public func health() throws -> HealthResponse {
        guard case .health(let r) = try call(.health(HealthRequest())) else {
            throw SwerveClientError.protocolViolation("health answered with another result")
        }
        return r
    }
}
