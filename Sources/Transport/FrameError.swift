/// Why a byte stream could not be split into frames.
///
/// Every case means the stream can no longer be trusted: the server answers
/// with one error response and closes the connection.
public enum FrameError: Error, Equatable, Hashable, Sendable, CustomStringConvertible {
    /// The compressed bit (bit 0 of the flags byte) was set; swerve does not
    /// support compressed frames.
    case compressedFlagUnsupported
    /// A reserved bit (bits 1–7 of the flags byte) was set. Carries the flags byte.
    case reservedFlags(UInt8)
    /// The header announced a payload longer than the configured limit. The
    /// payload is refused before any memory is allocated for it.
    case frameTooLarge(length: Int, limit: Int)

    public var description: String {
        switch self {
        case .compressedFlagUnsupported:
            return "frame has the compressed flag set; compressed frames are not supported"
        case .reservedFlags(let flags):
            let hex = String(flags, radix: 16, uppercase: false)
            return "frame flags byte 0x\(hex.count == 1 ? "0" + hex : hex) sets reserved bits; only 0x00 is accepted"
        case .frameTooLarge(let length, let limit):
            return "frame payload of \(length) bytes exceeds the limit of \(limit) bytes"
        }
    }
}
