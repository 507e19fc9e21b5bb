/// An error that reaches the client as a non-OK `Status`: a message that
/// cannot be decoded, or a call that fails (unknown model, bad tensor, …).
public struct WireError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: StatusCode
    /// Names the problem: which field, tensor or model, what was expected and found.
    public var message: String

    public init(_ code: StatusCode, _ message: String) {
        precondition(code != .ok, "a WireError needs a non-OK code")
        self.code = code
        self.message = message
    }

    /// Shorthand for the most common error, a malformed or inconsistent request.
    public static func invalidArgument(_ message: String) -> WireError {
        WireError(.invalidArgument, message)
    }

    /// The status that carries this error to the client.
    public var status: Status { Status(code, message) }

    public var description: String { status.description }
}
