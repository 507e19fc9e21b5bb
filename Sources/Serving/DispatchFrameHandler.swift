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
        var output: [UInt8] = []
        dispatcher.handleFrame(payload, output: &output) { reply.send($0) }
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
