/// A second protocol served on a ``FrameServer``'s port: a connection whose
/// first byte is ``firstByte`` goes to ``makeHandler``'s handler, any other to
/// swerve framing. One byte decides because a swerve frame starts with its
/// flags byte (0x00: bits 1–7 reserved, compression unsupported), while
/// HTTP/2's client preface starts with "P" (`PRI * HTTP/2.0`), so gRPC and
/// the swerve protocol share port 8500 at the cost of one comparison.
public struct SharedPortProtocol: Sendable {
    /// The first byte that selects this protocol.
    public var firstByte: UInt8
    /// Creates the handler of a connection that chose this protocol (on its
    /// loop thread); it receives every byte read so far, the first included.
    public var makeHandler: @Sendable (StreamConnection) -> StreamHandler

    public init(firstByte: UInt8, makeHandler: @escaping @Sendable (StreamConnection) -> StreamHandler) {
        self.firstByte = firstByte
        self.makeHandler = makeHandler
    }

    /// HTTP/2 with prior knowledge (gRPC): the client preface starts with "P".
    public static func http2(_ makeHandler: @escaping @Sendable (StreamConnection) -> StreamHandler) -> SharedPortProtocol {
        SharedPortProtocol(firstByte: UInt8(ascii: "P"), makeHandler: makeHandler)
    }
}
