import Auth
import Primitives
import CHTTPParser
import Transport

/// One HTTP/1.1 connection of the REST server: feeds what it reads to
/// http-parser, hands each complete request to the router, and writes the
/// responses back in request order (pipelining: a request's answer may be
/// ready before an earlier one's, so finished responses wait for their turn).
///
/// Loop-thread only. Responses produced on other threads hop to the loop.
/// The parser, its buffers and the header scratch space live as long as the
/// connection and are reused for every request on it.
///
/// Limits: a body larger than `maxBodyBytes` is refused with 413 as soon as
/// the Content-Length (or the running total of chunks) says so, before it is
/// read; headers must arrive within `headerTimeout` of a request's first byte
/// and the body within `bodyTimeout` after the headers, else 408 and close
/// (a slow client is dropped, not waited on); an idle keep-alive connection
/// is closed after `idleTimeout`.
final class HTTPConnection: StreamHandler, @unchecked Sendable {
    let connection: StreamConnection
    let server: RESTServerShared
    private let parser: UnsafeMutablePointer<http_parser>

    // Per-request scratch, reused.
    private var url: [UInt8] = []
    private var field: [UInt8] = []
    private var value: [UInt8] = []
    private var inValue = false
    var body: [UInt8] = []
    private var contentType: String?
    private var idempotencyKey: String?
    private var inferenceHeaderLength: String?
    private var timeoutHeader: String?
    private var noCache = false
    private var authToken: String?
    /// The remote host, read once per connection when the server has a gate.
    private lazy var peer: String = server.router.gate == nil ? "" : connection.remoteHost
    private var expectContinue = false
    private var rejection: (status: Int, message: String)?

    // Ordering of responses.
    private var nextSequence: UInt64 = 0
    private var nextToWrite: UInt64 = 0
    private var ready: [UInt64: HTTPResponse] = [:]
    private var closeAfter: UInt64?
    /// Set once no more requests are parsed (an error, or Connection: close).
    private var stopped = false
    private var closed = false

    // Timeouts (loop milliseconds).
    private enum Phase { case idle, headers, body }
    private var phase = Phase.idle
    private var phaseStart: UInt64

    init(connection: StreamConnection, server: RESTServerShared) {
        self.connection = connection
        self.server = server
        parser = UnsafeMutablePointer<http_parser>.allocate(capacity: 1)
        http_parser_init(parser, HTTP_REQUEST)
        phaseStart = connection.now
        parser.pointee.data = Unmanaged.passUnretained(self).toOpaque()
        body.reserveCapacity(4096)
        url.reserveCapacity(128)
    }

    deinit {
        parser.deallocate()
    }

    private var inFlight: Int { Int(nextSequence - nextToWrite) }

    // MARK: StreamHandler

    func stream(_ connection: StreamConnection, didRead bytes: UnsafeRawBufferPointer) {
        guard !stopped, let base = bytes.baseAddress else { return }
        let parsed = http_parser_execute(parser, &HTTPParserCallbacks.settings,
                                         base.assumingMemoryBound(to: CChar.self), bytes.count)
        let errno = swerve_http_errno(parser)
        if errno != 0 || parsed != bytes.count {
            // A request that ended the connection (Connection: close) stops
            // the parser on purpose: not an error.
            if stopped && rejection == nil { return }
            if let rejection {
                reject(rejection.status, rejection.message)
            } else if swerve_http_upgrade(parser) != 0 {
                reject(400, "protocol upgrades are not supported")
            } else {
                let code = http_errno(rawValue: errno)
                let description = String(cString: http_errno_description(code))
                let status = code == HPE_HEADER_OVERFLOW ? 431 : 400
                reject(status, "malformed HTTP request: \(description)")
            }
            return
        }
        applyBackpressure()
    }

    func streamDidReadEOF(_ connection: StreamConnection) {
        // The client sends nothing more; answer what it asked, then close.
        stopped = true
        if inFlight == 0 { connection.closeGracefully() } else { closeAfter = nextSequence &- 1 }
    }

    func streamDidWrite(_ connection: StreamConnection) {
        applyBackpressure()
    }

    func streamSweep(_ connection: StreamConnection, now: UInt64) {
        let options = server.options
        switch phase {
        case .headers:
            if now &- phaseStart >= options.headerTimeout.milliseconds {
                server.metrics.countTimeout()
                reject(408, "request headers not received within \(options.headerTimeout)")
            }
        case .body:
            if now &- phaseStart >= options.bodyTimeout.milliseconds {
                server.metrics.countTimeout()
                reject(408, "request body not received within \(options.bodyTimeout)")
            }
        case .idle:
            if inFlight == 0, connection.queuedBytes == 0, now &- phaseStart >= options.idleTimeout.milliseconds {
                stopped = true
                connection.closeGracefully()
            }
        }
    }

    func streamServerWillShutDown(_ connection: StreamConnection) {
        stopped = true
        if inFlight == 0 { connection.closeGracefully() } else { closeAfter = nextSequence &- 1 }
    }

    func streamDidClose(_ connection: StreamConnection) {
        closed = true
        ready.removeAll()
        parser.pointee.data = nil
    }

    private func applyBackpressure() {
        guard !stopped else { return }
        let over = inFlight >= server.options.maxPipelinedRequests || connection.queuedBytes > server.options.writeHighWaterBytes
        if over { connection.stopReading() } else if !connection.isReading { connection.startReading() }
    }

    // MARK: Errors

    /// Answers with `status` after the responses already owed, then closes.
    private func reject(_ status: Int, _ message: String) {
        guard !stopped else { return }
        stopped = true
        phase = .idle
        let sequence = nextSequence
        nextSequence &+= 1
        closeAfter = sequence
        deliver(sequence, HTTPResponse.error(status, message))
    }

    // MARK: Responses

    /// Called with the response to request `sequence`, on any thread.
    func respond(_ sequence: UInt64, _ response: HTTPResponse) {
        if connection.loop.inEventLoop {
            deliver(sequence, response)
        } else {
            connection.loop.execute { self.deliver(sequence, response) }
        }
    }

    private func deliver(_ sequence: UInt64, _ response: HTTPResponse) {
        guard !closed else { return }
        if sequence != nextToWrite {
            ready[sequence] = response
            return
        }
        write(sequence, response)
        while let next = ready.removeValue(forKey: nextToWrite) {
            write(nextToWrite, next)
        }
        if !stopped { applyBackpressure() }
    }

    private func write(_ sequence: UInt64, _ response: HTTPResponse) {
        let last = closeAfter == sequence
        response.write(to: connection, close: last)
        nextToWrite = sequence &+ 1
        if last {
            connection.closeGracefully()
        } else if inFlight == 0 && phase == .idle {
            phaseStart = connection.now // the idle clock starts once everything is answered
        }
    }

    // MARK: Parser events (called from HTTPParserCallbacks)

    func messageBegin() {
        url.removeAll(keepingCapacity: true)
        field.removeAll(keepingCapacity: true)
        value.removeAll(keepingCapacity: true)
        body.removeAll(keepingCapacity: true)
        if body.capacity > 1 << 20 { body = [] }
        inValue = false
        contentType = nil
        idempotencyKey = nil
        inferenceHeaderLength = nil
        timeoutHeader = nil
        noCache = false
        authToken = nil
        expectContinue = false
        rejection = nil
        phase = .headers
        phaseStart = connection.now
    }

    func appendURL(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        if url.count + bytes.count > 8192 {
            rejection = (414, "request target longer than 8192 bytes")
            return 1
        }
        url.append(contentsOf: bytes)
        return 0
    }

    func appendHeaderField(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        if inValue {
            finishHeader()
            inValue = false
        }
        field.append(contentsOf: bytes)
        return 0
    }

    func appendHeaderValue(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        inValue = true
        value.append(contentsOf: bytes)
        return 0
    }

    private func finishHeader() {
        defer {
            field.removeAll(keepingCapacity: true)
            value.removeAll(keepingCapacity: true)
        }
        // Only a few headers matter; match them without building strings.
        switch field.count {
        case 12 where Self.equalsIgnoringCase(field, "content-type"):
            contentType = String(decoding: value, as: UTF8.self)
        case 15 where Self.equalsIgnoringCase(field, "idempotency-key"):
            idempotencyKey = String(decoding: value, as: UTF8.self)
        case 6 where Self.equalsIgnoringCase(field, "expect"):
            expectContinue = Self.equalsIgnoringCase(value, "100-continue")
        case 31 where Self.equalsIgnoringCase(field, "inference-header-content-length"):
            inferenceHeaderLength = String(decoding: value, as: UTF8.self)
        case 18 where Self.equalsIgnoringCase(field, "request-timeout-ms"):
            timeoutHeader = String(decoding: value, as: UTF8.self)
        case 13 where Self.equalsIgnoringCase(field, "authorization"):
            authToken = BearerToken.parse(String(decoding: value, as: UTF8.self))
        case 13 where Self.equalsIgnoringCase(field, "cache-control"):
            // Directives are case-insensitive and comma-separated; either one
            // asks for an answer that does not come from a cache.
            let directives = String(decoding: value, as: UTF8.self).lowercased()
            noCache = noCache || directives.contains("no-cache") || directives.contains("no-store")
        default:
            break
        }
    }

    static func equalsIgnoringCase(_ bytes: [UInt8], _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        let p = lowercase.utf8Start
        for i in 0..<bytes.count {
            var b = bytes[i]
            if b >= 0x41 && b <= 0x5A { b |= 0x20 }
            if b != p[i] { return false }
        }
        return true
    }

    func headersComplete() -> Int32 {
        if inValue || !field.isEmpty { finishHeader() }
        inValue = false
        let length = swerve_http_content_length(parser)
        let max = server.options.maxBodyBytes
        if length > Int64(max) {
            rejection = (413, "request body of \(length) bytes is larger than the limit of \(max) bytes")
            return -1
        }
        phase = .body
        phaseStart = connection.now
        if expectContinue && inFlight == 0 {
            connection.write(HTTPResponse.continueLine)
        }
        return 0
    }

    func appendBody(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        let max = server.options.maxBodyBytes
        if body.count + bytes.count > max {
            rejection = (413, "request body is larger than the limit of \(max) bytes")
            return -1
        }
        body.append(contentsOf: bytes)
        return 0
    }

    func messageComplete() -> Int32 {
        phase = .idle
        phaseStart = connection.now
        let sequence = nextSequence
        nextSequence &+= 1
        let keepAlive = http_should_keep_alive(parser) != 0
        if !keepAlive {
            closeAfter = sequence
            stopped = true
        }
        let method = HTTPMethod(parserMethod: swerve_http_method(parser))
        let (path, query) = Self.splitTarget(url)
        var timeoutMs: UInt32 = 0
        if let timeoutHeader, let t = UInt32(timeoutHeader.trimmingSpaces) { timeoutMs = t }
        body.withUnsafeBytes { bodyBytes in
            let request = HTTPRequest(method: method, path: path, query: query, contentType: contentType,
                                      idempotencyKey: idempotencyKey, inferenceHeaderLength: inferenceHeaderLength,
                                      timeoutMs: timeoutMs, noCache: noCache, authToken: authToken, peer: peer,
                                      body: bodyBytes)
            server.router.route(request) { [self] response in self.respond(sequence, response) }
        }
        // Stop parsing after a request that ends the connection.
        return stopped ? -1 : 0
    }

    private static func splitTarget(_ url: [UInt8]) -> (Substring, Substring) {
        let target = String(decoding: url, as: UTF8.self)
        if let q = target.utf8.firstIndex(of: UInt8(ascii: "?")) {
            return (target[..<q], target[target.utf8.index(after: q)...])
        }
        return (target[...], "")
    }
}

extension String {
    var trimmingSpaces: Substring {
        var s = self[...]
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return s
    }
}
