/// The outcome of a call: a code and, unless OK, a message a person can act on.
public struct Status: Sendable, Equatable, CustomStringConvertible {
    public var code: StatusCode
    public var message: String

    public init(_ code: StatusCode, _ message: String = "") {
        self.code = code
        self.message = message
    }

    /// The successful status.
    public static let ok = Status(.ok)

    public var isOK: Bool { code == .ok }

    public var description: String {
        message.isEmpty ? code.protoName : "\(code.protoName): \(message)"
    }
}
