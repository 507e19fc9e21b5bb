import CHTTPParser

/// The request methods the routes use; anything else is `.other` (405).
public enum HTTPMethod: Sendable, Equatable {
    case get, post, head, put, delete, other

    init(parserMethod: UInt32) {
        switch http_method(rawValue: parserMethod) {
        case HTTP_GET: self = .get
        case HTTP_POST: self = .post
        case HTTP_HEAD: self = .head
        case HTTP_PUT: self = .put
        case HTTP_DELETE: self = .delete
        default: self = .other
        }
    }
}

/// One parsed request as the router sees it. `body` is valid only during
/// the router's synchronous part (the connection reuses its buffer).
public struct HTTPRequest {
    public var method: HTTPMethod
    /// The raw (still percent-encoded) path, without the query.
    public var path: Substring
    public var query: Substring
    public var contentType: String?
    public var idempotencyKey: String?
    /// Triton's binary-tensor extension header: the JSON's length in `body`.
    public var inferenceHeaderLength: String?
    /// From `Request-Timeout-Ms`: the call's deadline; 0 = none.
    public var timeoutMs: UInt32
    /// `Cache-Control: no-cache` (or `no-store`): answer from the model, not the prediction cache.
    public var noCache: Bool
    /// The token of `Authorization: Bearer <token>`; nil without one.
    public var authToken: String?
    /// The connection's remote host; empty when the server checks no tokens and limits no rate.
    public var peer: String
    public var body: UnsafeRawBufferPointer

    public init(method: HTTPMethod, path: Substring, query: Substring = "", contentType: String? = nil,
                idempotencyKey: String? = nil, inferenceHeaderLength: String? = nil, timeoutMs: UInt32 = 0,
                noCache: Bool = false, authToken: String? = nil, peer: String = "", body: UnsafeRawBufferPointer) {
        self.authToken = authToken
        self.peer = peer
        self.method = method
        self.path = path
        self.query = query
        self.contentType = contentType
        self.idempotencyKey = idempotencyKey
        self.inferenceHeaderLength = inferenceHeaderLength
        self.timeoutMs = timeoutMs
        self.noCache = noCache
        self.body = body
    }
}
