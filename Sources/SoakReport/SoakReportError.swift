/// Why a soak's records could not be read or judged; the message names the
/// file and the place.
public struct SoakReportError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
