/// A transformation of the byte stream between a ``StreamConnection``'s
/// socket and its ``StreamHandler``: the slot where TLS (OpenSSL memory BIOs)
/// goes. The handler reads and writes plain bytes; the socket sees what the
/// transform makes of them. Set with ``StreamConnection/setTransform(_:)``
/// before the first byte moves.
///
/// Both methods run on the connection's loop thread, synchronously inside the
/// read callback or the handler's write; the closures they get must not be
/// stored. Throwing closes the connection with that error (a TLS alert, a bad
/// record).
public protocol ByteTransform: AnyObject {
    /// Bytes from the socket. Hand the plain bytes they yield to `deliver`
    /// (any number of times, possibly none, e.g. mid-record or mid-handshake);
    /// bytes the transform must answer on its own (a handshake message) go
    /// to `reply`, which writes them to the socket untransformed.
    func inbound(_ bytes: UnsafeRawBufferPointer,
                 deliver: (UnsafeRawBufferPointer) -> Void,
                 reply: (UnsafeRawBufferPointer) -> Void) throws
    /// Plain bytes from the handler; hand what goes on the wire to `emit`.
    func outbound(_ bytes: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) -> Void) throws
    /// The connection is closing gracefully: the last bytes the transform
    /// sends (TLS's close_notify) go to `emit`, before the FIN.
    func finish(emit: (UnsafeRawBufferPointer) -> Void)
}

extension ByteTransform {
    /// Most transforms have nothing to say at the end.
    public func finish(emit: (UnsafeRawBufferPointer) -> Void) {}
}

/// Makes the ``ByteTransform`` of each connection a server accepts (a TLS
/// server context makes one TLS session per connection). Called on the
/// connection's loop thread; throwing closes that connection.
public protocol ByteTransformFactory: Sendable {
    func makeTransform(for connection: StreamConnection) throws -> ByteTransform
}

/// Makes the ``ByteTransform`` of each connection a client opens (a TLS
/// client session that checks the server's certificate against `serverName`,
/// the host dialled). Throwing fails that connection attempt.
public protocol ClientByteTransformFactory: Sendable {
    func makeClientTransform(serverName: String) throws -> ByteTransform
}
