import FuzzSupport
@testable import Serving
import Transport
import Wire

@main
enum FuzzFrame {
    static func main() { FuzzDriver.run(prepare: { _ = FuzzModels.dispatcher }, fuzzFrame) }
}

/// Binary protocol: bytes as a connection reads them → frame decoding →
/// Request unpacking → dispatch to the models → the response packed as the
/// frame handler packs it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrame(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let dispatcher = FuzzModels.dispatcher
    // 1 MiB rather than the 16 MiB default: the limit check is the same code,
    // and a claimed length never needs more than the input anyway.
    var decoder = FrameDecoder(maxPayloadLength: 1 << 20)
    for chunk in FuzzInput(data, size).chunks() {
        do {
            try decoder.feed(chunk) { payload in
                let response: Response
                switch dispatcher.handleFrameInline(payload, receivedAt: .now) {
                case .answered(let answer):
                    response = answer
                case .asynchronous(let request, let deadline):
                    response = dispatcher.handle(request, deadline: deadline)
                }
                ProtobufCodec.withPackedResponse(response) { size, pack in
                    var output = [UInt8](repeating: 0, count: size)
                    output.withUnsafeMutableBytes { pack($0) }
                }
                return .proceed
            }
        } catch {
            // A framing error fails the connection: nothing after it is read.
            break
        }
    }
    return 0
}
