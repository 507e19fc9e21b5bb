import CUV
#if canImport(Glibc)
import Glibc
#endif

/// A failed libuv call (or POSIX call: libuv's codes are negated `errno`
/// values on Unix, so both share this type and libuv's `uv_strerror` text).
public struct UVError: Error, Equatable, Hashable, Sendable, CustomStringConvertible {
    /// The negative libuv error code, e.g. `UV_ECONNREFUSED`.
    public let code: Int32
    /// What was being attempted, e.g. `"connect to 127.0.0.1:8500"`.
    public let operation: String

    /// Wraps a negative libuv status code.
    public init(code: Int32, operation: String) {
        precondition(code < 0, "libuv error codes are negative")
        self.code = code
        self.operation = operation
    }

    /// Wraps a positive POSIX `errno` value.
    public init(errno value: Int32, operation: String) {
        self.init(code: -abs(value == 0 ? EIO : value), operation: operation)
    }

    /// libuv's short name for the code, e.g. `"ECONNREFUSED"` (`uv_err_name`).
    public var name: String { String(cString: uv_err_name(code)) }
    /// libuv's text for the code, e.g. `"connection refused"` (`uv_strerror`).
    public var message: String { String(cString: uv_strerror(code)) }
    /// The common kinds a caller may want to react to.
    public var kind: Kind { Kind(code: code) }

    public var description: String { "\(operation): \(message) (\(name))" }

    /// Common failure kinds, named in full words; the C name is in each comment.
    public enum Kind: Sendable, Equatable {
        /// `EADDRINUSE`
        case addressInUse
        /// `EADDRNOTAVAIL`
        case addressNotAvailable
        /// `ECONNREFUSED`
        case connectionRefused
        /// `ECONNRESET`
        case connectionReset
        /// `EPIPE`
        case brokenPipe
        /// `ETIMEDOUT`
        case timedOut
        /// `ECANCELED`
        case cancelled
        /// `UV_EOF`
        case endOfFile
        /// `EAGAIN`
        case wouldBlock
        /// `EINTR`
        case interrupted
        /// `UV_EAI_*`: name resolution failed.
        case nameResolution
        /// Anything else.
        case other

        init(code: Int32) {
            switch code {
            case UV_EADDRINUSE.rawValue: self = .addressInUse
            case UV_EADDRNOTAVAIL.rawValue: self = .addressNotAvailable
            case UV_ECONNREFUSED.rawValue: self = .connectionRefused
            case UV_ECONNRESET.rawValue: self = .connectionReset
            case UV_EPIPE.rawValue: self = .brokenPipe
            case UV_ETIMEDOUT.rawValue: self = .timedOut
            case UV_ECANCELED.rawValue: self = .cancelled
            case UV_EOF.rawValue: self = .endOfFile
            case UV_EAGAIN.rawValue: self = .wouldBlock
            case UV_EINTR.rawValue: self = .interrupted
            case UV_EAI_ADDRFAMILY.rawValue...UV_EAI_SOCKTYPE.rawValue: self = .nameResolution
            default: self = .other
            }
        }
    }
}

extension UVError {
    /// Returns `result` when it is not negative; otherwise throws it as a `UVError`.
    /// Every libuv call in this module goes through here.
    @discardableResult
    @inline(__always)
    static func check(_ result: Int32, _ operation: @autoclosure () -> String) throws(UVError) -> Int32 {
        if result < 0 { throw UVError(code: result, operation: operation()) }
        return result
    }

    /// Runs a POSIX call that returns -1 and sets `errno` on failure, retrying
    /// on `EINTR` (a signal arriving mid-call is not a failure). Every raw
    /// system call of the network path goes through here or ``nonBlocking(_:_:)``.
    @discardableResult
    static func posix(_ operation: @autoclosure () -> String, _ call: () -> Int32) throws(UVError) -> Int32 {
        guard let result = try nonBlocking(operation(), { Int(call()) }) else {
            // A blocking call that reports "would block" failed all the same.
            throw UVError(errno: errno, operation: operation())
        }
        return Int32(truncatingIfNeeded: result)
    }

    /// ``posix(_:_:)`` for calls on a non-blocking descriptor: nil when the
    /// call would block (`EAGAIN`, `EWOULDBLOCK`; `EINPROGRESS` and, after an
    /// interrupted connect is retried, `EALREADY`: a connect under way), so
    /// the caller waits for readiness; the result otherwise; other errors throw.
    static func nonBlocking(_ operation: @autoclosure () -> String, _ call: () -> Int) throws(UVError) -> Int? {
        while true {
            let result = call()
            if result >= 0 { return result }
            let e = errno
            switch e {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK, EINPROGRESS, EALREADY: return nil
            default: throw UVError(errno: e, operation: operation())
            }
        }
    }
}
