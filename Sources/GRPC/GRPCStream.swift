/// One HTTP/2 stream carrying one unary gRPC call, from its HEADERS to its
/// trailers. Loop-thread only (``GRPCResponder`` carries it across threads
/// but only touches it back on the loop).
final class GRPCStream: @unchecked Sendable {
    /// How a call ended, as a handler answered it.
    enum Outcome: Sendable {
        case message([UInt8])
        case status(GRPCStatus)
    }

    let id: Int32
    var method: String?
    var path: String?
    var contentType: String?
    var timeout: String?
    var encoding: String?
    var authorization: String?
    /// Bytes of header names and values seen so far.
    var headerBytes = 0
    /// Why the call is refused before it runs (bad headers, over a limit).
    var refusal: GRPCStatus?
    /// The request body: length-prefixed messages.
    var body: [UInt8] = []
    /// The client sent END_STREAM: the whole request is here.
    var requestEnded = false
    /// The call was started (run, or refused); later request bytes are ignored.
    var isStarted = false
    /// The peer reset the stream or the connection closed.
    var isClosed = false
    /// The handler has answered (or the call was refused).
    var isAnswered = false
    /// The response message the data provider sends after its 5-byte prefix.
    var responseMessage: [UInt8] = []
    /// Bytes of prefix and message handed to nghttp2 so far.
    var responseOffset = 0

    init(id: Int32) {
        self.id = id
    }
}
