/// A broker, message or file failure with a message a person can act on.
public struct StreamError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
