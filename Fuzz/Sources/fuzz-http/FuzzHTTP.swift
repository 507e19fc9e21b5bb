import FuzzSupport
import REST
import Serving
import Transport

@main
enum FuzzHTTP {
    static func main() { FuzzDriver.run(prepare: { _ = FuzzRESTServer.server.boundPort }, fuzzHTTP) }
}

/// The REST server over the shipped models, on one loop and a free loopback port.
enum FuzzRESTServer {
    static let group: EventLoopGroup = {
        do { return try EventLoopGroup(loopCount: 1, name: "fuzz-rest") } catch { fatalError("fuzz: no event loop: \(error)") }
    }()

    static let server: RESTServer = {
        var options = RESTServer.Options()
        options.port = 0
        // Bodies past 1 MiB get the same 413 path as past 16 MiB.
        options.maxBodyBytes = 1 << 20
        do {
            return try RESTServer(options: options, handler: FuzzModels.dispatcher, group: group, logger: FuzzModels.quietLogger)
        } catch {
            fatalError("fuzz: cannot start the REST server: \(error)")
        }
    }()
}

/// Raw bytes on one HTTP connection, written in the chunks the input's first
/// byte chooses: http-parser, routing, every front's JSON tensor parsing (TF
/// REST rows and columns, KServe V2 JSON and its binary extension, the
/// classic routes) and the models behind them. The connection is
/// half-closed after the last chunk; the server must answer and close.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTP(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzConnection.exchange(port: FuzzRESTServer.server.boundPort, server: "the REST server", FuzzInput(data, size))
    return 0
}
