import ModelRuntime
import ModelServer
import Wire

// How errors from the layers below become statuses on the wire.

extension WireError {
    /// The status for an error thrown by the repository or a model; messages
    /// pass through unchanged since they already name the model and problem.
    static func from(_ error: any Error) -> WireError {
        switch error {
        case let e as ModelServerError:
            return from(e)
        case let e as ModelError:
            return from(e)
        case let e as WireError:
            return e
        default:
            return WireError(.internal, "unexpected error: \(error)")
        }
    }

    static func from(_ error: ModelServerError) -> WireError {
        switch error.kind {
        case .notFound: return WireError(.notFound, error.message)
        case .unavailable: return WireError(.unavailable, error.message)
        case .invalidArgument: return WireError(.invalidArgument, error.message)
        case .failedPrecondition: return WireError(.failedPrecondition, error.message)
        case .resourceExhausted: return WireError(.resourceExhausted, error.message)
        case .deadlineExceeded: return WireError(.deadlineExceeded, error.message)
        }
    }

    /// Model errors: bad inputs are the caller's to fix; anything else that
    /// happens while running a loaded model is the server's problem.
    static func from(_ error: ModelError) -> WireError {
        switch error.kind {
        case .invalidInput: return WireError(.invalidArgument, error.message)
        case .execution: return WireError(.internal, error.message)
        case .invalidModel, .unsupported: return WireError(.internal, error.message)
        }
    }
}
