import Transport
import Wire

/// Connects the transport to the dispatcher: each frame payload is decoded
/// and handled on the loop thread that read it; in-process calls are
/// answered right there, asynchronous ones (jobs, fan-out) reply later from
/// whichever thread completes them.
///
/// Predict on classic ML models takes microseconds, so running it inline on
/// the loop (one loop per core) beats handing it to another thread and back.
final class DispatchFrameHandler: FrameHandler {
    let dispatcher: Dispatcher

    init(dispatcher: Dispatcher) {
        self.dispatcher = dispatcher
    }

    func handleFrame(_ payload: UnsafeRawBufferPointer, reply: FrameReply) {
        switch dispatcher.handleFrameInline(payload, receivedAt: .now, peer: { reply.remoteHost }) {
        case .answered(let response):
            // On the loop thread: protobuf-c packs straight into the
            // connection's output buffer (no array, zero-fill or copy).
            ProtobufCodec.withPackedResponse(response) { size, pack in
                reply.send(length: size, pack)
            }
        case .asynchronous(let request, let deadline):
            dispatcher.handle(request, deadline: deadline) { response in
                var bytes: [UInt8] = []
                ProtobufCodec.encode(response, into: &bytes)
                reply.send(bytes)
            }
        }
    }

    func framingErrorResponse(_ error: FrameError) -> [UInt8] {
        encode(Response(id: 0, status: Status(.invalidArgument, "\(error); closing the connection")))
    }

    func connectionLimitResponse() -> [UInt8]? {
        encode(Response(id: 0, status: Status(.resourceExhausted, "server is at its connection limit; try again later")))
    }

    private func encode(_ response: Response) -> [UInt8] {
        var output: [UInt8] = []
        ProtobufCodec.encode(response, into: &output)
        return output
    }
}
