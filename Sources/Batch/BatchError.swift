/// Why a batch run stopped: a message a person can act on (it names the
/// file and line, table and column, or database it is about).
public struct BatchError: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
