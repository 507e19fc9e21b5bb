/// Why a benchmark could not start or finish, in words a person can act on.
public enum BenchError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A command-line value is wrong.
    case invalidArgument(String)
    /// The rows file cannot be used.
    case invalidRows(String)
    /// The target could not be reached or described.
    case setupFailed(String)
    /// A report could not be written.
    case outputFailed(String)

    public var description: String {
        switch self {
        case .invalidArgument(let message): return message
        case .invalidRows(let message): return "rows file: \(message)"
        case .setupFailed(let message): return message
        case .outputFailed(let message): return message
        }
    }
}
