import Wire

/// HTTP status codes the adapter answers with, and the mapping from the
/// internal status codes.
public enum HTTPStatus {
    /// The HTTP status for an internal status code: INVALID_ARGUMENT 400,
    /// NOT_FOUND 404, FAILED_PRECONDITION 409, RESOURCE_EXHAUSTED 429,
    /// UNIMPLEMENTED 501, UNAVAILABLE 503, DEADLINE_EXCEEDED 504, INTERNAL
    /// 500; the codes the issue does not name follow gRPC-gateway's table.
    public static func code(for status: StatusCode) -> Int {
        switch status {
        case .ok: return 200
        case .invalidArgument, .outOfRange: return 400
        case .notFound: return 404
        case .failedPrecondition, .alreadyExists, .aborted: return 409
        case .resourceExhausted: return 429
        case .unimplemented: return 501
        case .unavailable: return 503
        case .deadlineExceeded: return 504
        case .cancelled: return 499
        case .permissionDenied: return 403
        case .unauthenticated: return 401
        case .internal, .unknown, .dataLoss: return 500
        }
    }

    /// The reason phrase of a status line.
    public static func reason(_ code: Int) -> StaticString {
        switch code {
        case 100: return "Continue"
        case 200: return "OK"
        case 202: return "Accepted"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 409: return "Conflict"
        case 413: return "Payload Too Large"
        case 414: return "URI Too Long"
        case 415: return "Unsupported Media Type"
        case 429: return "Too Many Requests"
        case 431: return "Request Header Fields Too Large"
        case 499: return "Client Closed Request"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        default: return "Unknown"
        }
    }
}
