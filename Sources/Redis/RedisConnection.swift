import Primitives
import CHiredis
#if canImport(Glibc)
import Glibc
#endif

/// One synchronous hiredis connection, used by one thread at a time.
///
/// Why synchronous: hiredis 0.14's async API has no timeouts of its own, and
/// `redisConnect` resolves host names with a blocking `getaddrinfo`; both
/// would need care on an event loop. On dedicated threads the blocking API
/// gives bounded calls for free: `redisConnectWithTimeout` bounds the
/// connect, `redisSetTimeout` (SO_RCVTIMEO/SO_SNDTIMEO) bounds every read and
/// write, and name resolution never touches a loop thread.
///
/// Any I/O failure (refused, reset, timed out) drops the connection and
/// throws `.connection`; the next call connects again. Error replies throw
/// `.reply` and keep the connection.
public final class RedisConnection {
    public let address: RedisAddress
    public let connectTimeout: Duration
    public let commandTimeout: Duration
    private var context: UnsafeMutablePointer<redisContext>?
    /// Script SHA1s Redis gave back from SCRIPT LOAD on this connection
    /// (cleared on reconnect: a restarted Redis has forgotten them).
    private var scriptSHAs: [ObjectIdentifier: [UInt8]] = [:]
    // One growing buffer for every command's arguments: argv pointers point
    // into it, so a command costs no allocation once it has grown.
    private var argumentBytes: [UInt8] = []
    private var argumentOffsets: [Int] = []
    private var argumentLengths: [Int] = []

    public init(address: RedisAddress, connectTimeout: Duration, commandTimeout: Duration) {
        self.address = address
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
    }

    deinit { close() }

    public var isConnected: Bool { context != nil }

    /// Connects (resolving the host name on this thread) unless connected.
    public func connect() throws(RedisError) {
        if context != nil { return }
        guard let c = redisConnectWithTimeout(address.host, Int32(address.port), connectTimeout.timeval) else {
            throw .connection("cannot connect to \(address): out of memory")
        }
        if c.pointee.err != 0 {
            let reason = String(cString: swerve_redis_errstr(c))
            redisFree(c)
            throw .connection("cannot connect to \(address): \(reason)")
        }
        RedisReplyLimits.apply(to: c.pointee.reader)
        redisSetTimeout(c, commandTimeout.timeval)
        _ = redisEnableKeepAlive(c)
        context = c
        scriptSHAs.removeAll()
        if address.database != 0 {
            let reply = try command(["SELECT", .integer(address.database)])
            if let message = reply.errorMessage {
                close()
                throw .connection("\(address): SELECT \(address.database) failed: \(message)")
            }
        }
    }

    /// Closes the connection; the next call connects again.
    public func close() {
        if let c = context {
            redisFree(c)
            context = nil
        }
    }

    /// Sends one command and returns its reply (error replies are returned,
    /// not thrown, so callers can tell them apart per command).
    public func command(_ arguments: [RedisArgument]) throws(RedisError) -> RedisReply {
        try pipeline([arguments])[0]
    }

    /// Sends every command in one write, then reads one reply per command.
    public func pipeline(_ commands: [[RedisArgument]]) throws(RedisError) -> [RedisReply] {
        try connect()
        guard let c = context else { throw .connection("\(address): not connected") }
        for arguments in commands {
            argumentBytes.removeAll(keepingCapacity: true)
            argumentOffsets.removeAll(keepingCapacity: true)
            argumentLengths.removeAll(keepingCapacity: true)
            for argument in arguments {
                argumentOffsets.append(argumentBytes.count)
                argumentLengths.append(argument.count)
                argument.append(to: &argumentBytes)
            }
            argumentBytes.append(0)  // never empty, so baseAddress is never nil
            let status = argumentBytes.withUnsafeBufferPointer { bytes -> Int32 in
                let base = UnsafeRawPointer(bytes.baseAddress!).assumingMemoryBound(to: CChar.self)
                var argv = argumentOffsets.map { Optional(base + $0) }
                return argv.withUnsafeMutableBufferPointer { argvBuffer in
                    argumentLengths.withUnsafeBufferPointer { lengths in
                        redisAppendCommandArgv(c, Int32(arguments.count), argvBuffer.baseAddress, lengths.baseAddress)
                    }
                }
            }
            if status != REDIS_OK { throw failure(c) }
        }
        var replies: [RedisReply] = []
        replies.reserveCapacity(commands.count)
        for _ in commands {
            var raw: UnsafeMutableRawPointer? = nil
            if redisGetReply(c, &raw) != REDIS_OK || raw == nil { throw failure(c) }
            let reply = raw!.assumingMemoryBound(to: redisReply.self)
            replies.append(RedisReply(reply))
            freeReplyObject(raw)
        }
        return replies
    }

    /// Runs `script` by SHA (loading it once per connection), falling back to
    /// loading it again when Redis answers NOSCRIPT (e.g. after SCRIPT FLUSH).
    public func evaluate(_ script: RedisScript, keys: [RedisArgument], arguments: [RedisArgument]) throws(RedisError) -> RedisReply {
        for _ in 0..<2 {
            let sha = try load(script)
            let reply = try command(["EVALSHA", .bytes(sha), .integer(keys.count)] + keys + arguments)
            if let message = reply.errorMessage, message.hasPrefix("NOSCRIPT") {
                scriptSHAs[ObjectIdentifier(script)] = nil
                continue
            }
            return reply
        }
        throw .reply("\(address): Redis keeps forgetting the \(script.name) script (NOSCRIPT)")
    }

    /// The arguments of an EVALSHA call of `script`, for pipelining; call
    /// `load` first so the SHA is known.
    public func evaluateCommand(_ script: RedisScript, keys: [RedisArgument], arguments: [RedisArgument]) throws(RedisError) -> [RedisArgument] {
        let sha = try load(script)
        return ["EVALSHA", .bytes(sha), .integer(keys.count)] + keys + arguments
    }

    /// Loads `script` into Redis's script cache unless this connection did.
    @discardableResult
    public func load(_ script: RedisScript) throws(RedisError) -> [UInt8] {
        try connect()
        if let sha = scriptSHAs[ObjectIdentifier(script)] { return sha }
        let reply = try command(["SCRIPT", "LOAD", script.source])
        guard let sha = reply.bytes else {
            throw .reply("\(address): SCRIPT LOAD \(script.name): \(reply.errorMessage ?? "no SHA in the reply")")
        }
        scriptSHAs[ObjectIdentifier(script)] = sha
        return sha
    }

    /// Forgets the cached SHA of `script` (after a NOSCRIPT in a pipeline).
    public func forget(_ script: RedisScript) {
        scriptSHAs[ObjectIdentifier(script)] = nil
    }

    /// Drops the connection after an I/O error and describes the error.
    private func failure(_ c: UnsafeMutablePointer<redisContext>) -> RedisError {
        let code = c.pointee.err
        var reason = RedisReplyLimits.explain(String(cString: swerve_redis_errstr(c)))
        if code == REDIS_ERR_IO && (reason.contains("temporarily unavailable") || reason.contains("timed out")) {
            close()
            return .timedOut("\(address): no answer within \(Int64(commandTimeout.milliseconds)) ms (timed out)")
        } else if code == REDIS_ERR_EOF {
            reason = "connection closed by the server"
        }
        close()
        return .connection("\(address): \(reason)")
    }
}

/// One argument of a Redis command: binary-safe bytes, written from text,
/// integers or byte arrays without an intermediate String where possible.
public enum RedisArgument: ExpressibleByStringLiteral, Sendable {
    case text(String)
    case bytes([UInt8])

    public init(stringLiteral value: String) { self = .text(value) }

    public var count: Int {
        switch self {
        case .text(let s): return s.utf8.count
        case .bytes(let b): return b.count
        }
    }

    public func append(to buffer: inout [UInt8]) {
        switch self {
        case .text(let s): buffer.append(contentsOf: s.utf8)
        case .bytes(let b): buffer.append(contentsOf: b)
        }
    }
}

extension RedisArgument {
    public static func integer<I: BinaryInteger>(_ value: I) -> RedisArgument { .text(String(value)) }
}

extension RedisArgument: ExpressibleByStringInterpolation {}

/// A Lua script run with EVALSHA. A class so connections can cache its SHA
/// by identity.
public final class RedisScript: Sendable {
    public let name: String
    public let source: RedisArgument

    public init(name: String, source: String) {
        self.name = name
        self.source = .text(source)
    }
}
