import Wire

/// How a gRPC call ended, as its `grpc-status` and `grpc-message` trailers
/// carry it. The codes are swerve's own (``StatusCode`` is gRPC's list).
public struct GRPCStatus: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: StatusCode
    /// Why, for people; empty for OK.
    public var message: String

    public init(_ code: StatusCode, _ message: String = "") {
        self.code = code
        self.message = message
    }

    public var description: String { message.isEmpty ? code.protoName : "\(code.protoName): \(message)" }

    /// `grpc-message` is percent-encoded: bytes outside printable ASCII, and
    /// `%` itself, become `%XX` (gRPC's HTTP/2 protocol spec).
    var percentEncodedMessage: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(message.utf8.count)
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in message.utf8 {
            if byte >= 0x20 && byte <= 0x7E && byte != UInt8(ascii: "%") {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
        return out
    }
}
