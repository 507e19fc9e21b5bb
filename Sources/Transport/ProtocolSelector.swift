/// The handler of a connection whose protocol is not known until its first
/// bytes arrive (gRPC's HTTP/2 preface `PRI * HTTP/2.0` vs a swerve frame on
/// one port): it keeps the first bytes, asks `choose` which handler speaks
/// them, installs that handler on the connection and hands it everything read
/// so far. From then on the connection talks to the chosen handler directly;
/// the selector costs nothing after the first read.
///
/// `choose` sees the bytes read so far and returns a handler, or nil when it
/// needs more bytes. A connection that ends, or sends `maxPrefixLength` bytes
/// without a choice, is closed with ``ProtocolSelector/SelectionError``.
/// Loop-thread only.
public final class ProtocolSelector: StreamHandler {
    /// Why no handler was chosen.
    public enum SelectionError: Error, Equatable, Sendable, CustomStringConvertible {
        /// `limit` bytes arrived and matched no protocol.
        case unrecognised(limit: Int)
        /// The peer ended the connection before its bytes matched a protocol.
        case endedBeforeSelection(bytes: Int)

        public var description: String {
            switch self {
            case .unrecognised(let limit): return "the first \(limit) bytes match no protocol served on this port"
            case .endedBeforeSelection(let bytes): return "the connection ended after \(bytes) bytes, before they matched a protocol"
            }
        }
    }

    /// Picks a handler for the bytes read so far; nil = not enough bytes yet.
    public typealias Chooser = (StreamConnection, UnsafeRawBufferPointer) -> StreamHandler?

    private let choose: Chooser
    private let maxPrefixLength: Int
    private var prefix: [UInt8] = []

    /// - Parameters:
    ///   - maxPrefixLength: bytes after which an undecided connection is closed.
    ///   - choose: see ``Chooser``.
    public init(maxPrefixLength: Int = 64, choose: @escaping Chooser) {
        precondition(maxPrefixLength > 0, "maxPrefixLength must be positive")
        self.maxPrefixLength = maxPrefixLength
        self.choose = choose
    }

    public func stream(_ connection: StreamConnection, didRead bytes: UnsafeRawBufferPointer) {
        // The common case (the whole decision in the first read) copies nothing.
        if prefix.isEmpty, let chosen = choose(connection, bytes) {
            hand(connection, to: chosen, bytes)
            return
        }
        prefix.append(contentsOf: bytes)
        let chosen = prefix.withUnsafeBytes { choose(connection, $0) }
        if let chosen {
            let buffered = prefix
            prefix = []
            buffered.withUnsafeBytes { hand(connection, to: chosen, $0) }
        } else if prefix.count >= maxPrefixLength {
            connection.close(error: SelectionError.unrecognised(limit: maxPrefixLength))
        }
    }

    private func hand(_ connection: StreamConnection, to handler: StreamHandler, _ bytes: UnsafeRawBufferPointer) {
        connection.setHandler(handler)
        handler.stream(connection, didRead: bytes)
    }

    public func streamDidReadEOF(_ connection: StreamConnection) {
        connection.close(error: SelectionError.endedBeforeSelection(bytes: prefix.count))
    }

    public func streamDidWrite(_ connection: StreamConnection) {}

    public func streamDidClose(_ connection: StreamConnection) {}
}
