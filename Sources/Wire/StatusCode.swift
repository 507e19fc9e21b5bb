/// gRPC's canonical status codes, with their standard numbers (the wire's `Code`).
public enum StatusCode: Int32, Sendable, CaseIterable, CustomStringConvertible {
    /// `OK`: the call succeeded.
    case ok = 0
    /// `CANCELLED`: the caller cancelled the call.
    case cancelled = 1
    /// `UNKNOWN`: an error that fits no other code.
    case unknown = 2
    /// `INVALID_ARGUMENT`: the request itself is wrong (bad tensor, unknown output, …).
    case invalidArgument = 3
    /// `DEADLINE_EXCEEDED`: the call's deadline passed before it finished.
    case deadlineExceeded = 4
    /// `NOT_FOUND`: no such model, version, version label or job.
    case notFound = 5
    /// `ALREADY_EXISTS`
    case alreadyExists = 6
    /// `PERMISSION_DENIED`
    case permissionDenied = 7
    /// `RESOURCE_EXHAUSTED`: a queue, connection or size limit was hit.
    case resourceExhausted = 8
    /// `FAILED_PRECONDITION`: the system is not in a state the call needs.
    case failedPrecondition = 9
    /// `ABORTED`
    case aborted = 10
    /// `OUT_OF_RANGE`
    case outOfRange = 11
    /// `UNIMPLEMENTED`: the call is not supported by this server or build.
    case unimplemented = 12
    /// `INTERNAL`: a bug or an unexpected failure inside the server.
    case `internal` = 13
    /// `UNAVAILABLE`: try again later (a model still loading, or failed).
    case unavailable = 14
    /// `DATA_LOSS`
    case dataLoss = 15
    /// `UNAUTHENTICATED`
    case unauthenticated = 16

    /// The C / proto name, e.g. `INVALID_ARGUMENT`, as people know it from gRPC.
    public var protoName: String {
        switch self {
        case .ok: return "OK"
        case .cancelled: return "CANCELLED"
        case .unknown: return "UNKNOWN"
        case .invalidArgument: return "INVALID_ARGUMENT"
        case .deadlineExceeded: return "DEADLINE_EXCEEDED"
        case .notFound: return "NOT_FOUND"
        case .alreadyExists: return "ALREADY_EXISTS"
        case .permissionDenied: return "PERMISSION_DENIED"
        case .resourceExhausted: return "RESOURCE_EXHAUSTED"
        case .failedPrecondition: return "FAILED_PRECONDITION"
        case .aborted: return "ABORTED"
        case .outOfRange: return "OUT_OF_RANGE"
        case .unimplemented: return "UNIMPLEMENTED"
        case .internal: return "INTERNAL"
        case .unavailable: return "UNAVAILABLE"
        case .dataLoss: return "DATA_LOSS"
        case .unauthenticated: return "UNAUTHENTICATED"
        }
    }

    public var description: String { protoName }
}
