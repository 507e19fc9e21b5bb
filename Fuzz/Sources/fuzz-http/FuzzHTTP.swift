import FuzzSupport
import REST
import Serving
import SwerveTestSupport
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
///
/// Separate writes usually arrive as separate reads on loopback, but TCP may
/// merge them: the split is a strong hint, not a guarantee.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTP(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let port = FuzzRESTServer.server.boundPort
    var connected: RawHTTPClient?
    // libFuzzer's timer signal can interrupt a blocking connect (EINTR): the
    // socket is closed and a new one tries again.
    for attempt in 1...3 where connected == nil {
        do {
            connected = try RawHTTPClient(port: port, timeoutSeconds: 5)
        } catch {
            if attempt == 3 { fatalError("fuzz: cannot connect to the REST server: \(error)") }
        }
    }
    guard let client = connected else { return 0 }
    for chunk in FuzzInput(data, size).chunks() {
        // A send fails once the server has refused the request and closed.
        guard (try? client.send(Array(chunk))) != nil else { break }
    }
    client.finishSending()
    guard client.waitForClose() else {
        fatalError("the REST server neither answered nor closed the connection within 5 s")
    }
    return 0
}
