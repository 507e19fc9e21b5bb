/// An error from the model repository, worded for the person who sent the call.
///
/// Each kind maps onto one gRPC canonical status code in the dispatcher:
/// `notFound` → NOT_FOUND, `unavailable` → UNAVAILABLE, `invalidArgument` →
/// INVALID_ARGUMENT, `failedPrecondition` → FAILED_PRECONDITION,
/// `resourceExhausted` → RESOURCE_EXHAUSTED, `deadlineExceeded` → DEADLINE_EXCEEDED.
public struct ModelServerError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable {
        /// No such model, version or version label.
        case notFound
        /// It exists but cannot serve now (loading, failed, unloading, no version available).
        case unavailable
        /// The request itself is malformed (e.g. a non-positive version, both version and label).
        case invalidArgument
        /// The repository or model is in a state that cannot do this (e.g. not started, a fan-out model).
        case failedPrecondition
        /// A bounded queue is full (the adaptive batcher's `max_queued_rows`).
        case resourceExhausted
        /// The call's deadline passed while it waited (e.g. for its batch).
        case deadlineExceeded
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
