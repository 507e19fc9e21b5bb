/// What a unary method knows about its call besides the request message.
public struct GRPCCallContext: Sendable {
    /// `/package.Service/Method`.
    public var path: String
    /// The `authorization` metadata as sent (`Bearer …`); nil when absent.
    public var authorization: String?
    /// The caller's deadline from `grpc-timeout`, in milliseconds from when
    /// the server received the call; 0 = none.
    public var timeoutMs: UInt32
    /// The connection's remote host.
    public var peer: String
    /// The largest request message the connection accepts
    /// (``GRPCLimits/maxMessageBytes``): a method that expands what a
    /// request says (TensorFlow's one-value fill) expands it no further.
    public var maxMessageBytes: Int

    public init(path: String, authorization: String? = nil, timeoutMs: UInt32 = 0, peer: String = "",
                maxMessageBytes: Int = GRPCLimits().maxMessageBytes) {
        self.path = path
        self.authorization = authorization
        self.timeoutMs = timeoutMs
        self.peer = peer
        self.maxMessageBytes = maxMessageBytes
    }
}

/// One unary method: decodes `request` (valid only during the call), does
/// the work, and answers through `responder` exactly once, from any thread.
public typealias GRPCUnaryMethod = @Sendable (_ request: UnsafeRawBufferPointer, _ context: GRPCCallContext,
                                              _ responder: GRPCResponder) -> Void

/// A gRPC service: its full name (`inference.GRPCInferenceService`) and its
/// unary methods by name (`ModelInfer`).
public struct GRPCService: Sendable {
    public var name: String
    public var methods: [String: GRPCUnaryMethod]

    public init(name: String, methods: [String: GRPCUnaryMethod]) {
        self.name = name
        self.methods = methods
    }
}

/// Finds the method a call's `:path` names. Immutable once built, so every
/// loop reads it without a lock.
public struct GRPCRouter: Sendable {
    private let methods: [String: GRPCUnaryMethod]
    private let services: Set<String>

    public init(_ services: [GRPCService]) {
        var methods: [String: GRPCUnaryMethod] = [:]
        for service in services {
            for (name, method) in service.methods { methods["/\(service.name)/\(name)"] = method }
        }
        self.methods = methods
        self.services = Set(services.map(\.name))
    }

    /// The method at `path`, or the UNIMPLEMENTED status naming what is unknown.
    func method(at path: String) -> Result<GRPCUnaryMethod, GRPCStatus> {
        if let method = methods[path] { return .success(method) }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].isEmpty, !parts[1].isEmpty, !parts[2].isEmpty else {
            return .failure(GRPCStatus(.unimplemented, "'\(path.prefix(200))' is not a gRPC method path (/package.Service/Method)"))
        }
        if services.contains(String(parts[1])) {
            return .failure(GRPCStatus(.unimplemented, "method \(parts[2].prefix(100)) is not implemented by service \(parts[1])"))
        }
        return .failure(GRPCStatus(.unimplemented, "service \(parts[1].prefix(200)) is not served here"))
    }
}

/// Answers one call. Any thread; the answer hops to the connection's loop.
/// Only the first answer counts; one for a call whose stream is gone (the
/// client cancelled, the connection closed) is dropped.
public struct GRPCResponder: Sendable {
    let connection: HTTP2Connection
    let stream: GRPCStream

    /// Answers with one serialized response message and status OK.
    public func succeed(_ message: [UInt8]) {
        deliver(.message(message))
    }

    /// Answers with an error status and no message.
    public func fail(_ status: GRPCStatus) {
        deliver(.status(status))
    }

    private func deliver(_ outcome: GRPCStream.Outcome) {
        let connection = self.connection, stream = self.stream
        if connection.loop.inEventLoop {
            connection.finish(stream, outcome)
        } else {
            connection.loop.execute { connection.finish(stream, outcome) }
        }
    }
}
