import CHTTPParser

/// An incremental parser for a stream of HTTP/1.1 responses (keep-alive,
/// pipelined) on http-parser, the library the REST server parses requests
/// with: `Content-Length`, chunked bodies with trailers, bodiless statuses
/// (1xx, 204, 304) and bodies that run to the end of the connection
/// (``finish(_:)``). Interim (1xx) responses are not reported.
///
/// Two uses: a load generator counts statuses and lets the parser skip
/// bodies without copying them (no allocation per response once warm);
/// tests set `keepsMessages` and read each response's headers and body with
/// ``nextMessage()``. Assumes no request was a HEAD request.
///
/// Thread-safety: none; one parser per connection, used from one thread.
public final class HTTPResponseParser {
    /// One complete response (kept when the parser `keepsMessages`).
    public struct Message: Sendable {
        public var status: Int
        /// Lowercased names; a repeated header's values joined with ", ".
        public var headers: [String: String]
        public var body: [UInt8]
        /// The body as UTF-8 text.
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// Why a byte stream is not a sequence of HTTP/1.x responses.
    public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        /// http-parser's error name, e.g. `HPE_INVALID_CONTENT_LENGTH`.
        public let name: String
        public let description: String
    }

    private let parser: UnsafeMutablePointer<http_parser>
    private let keepsMessages: Bool
    /// Statuses completed by the current `feed`, handed out when it returns
    /// (the C callbacks cannot call the caller's closure).
    private var completed: [Int] = []
    private var messages: [Message] = []
    private var headers: [String: String] = [:]
    private var headerName: [UInt8] = []
    private var headerValue: [UInt8] = []
    private var body: [UInt8] = []

    /// - Parameter keepsMessages: keep headers and bodies for ``nextMessage()``
    ///   (tests); off, bodies are skipped.
    public init(keepsMessages: Bool = false) {
        self.keepsMessages = keepsMessages
        parser = UnsafeMutablePointer<http_parser>.allocate(capacity: 1)
        http_parser_init(parser, HTTP_RESPONSE)
        parser.pointee.data = Unmanaged.passUnretained(self).toOpaque()
        completed.reserveCapacity(64)
    }

    deinit {
        parser.deallocate()
    }

    /// Parses `bytes`, calling `onResponse` with the status code of every
    /// response that completes in them. Throws at the first framing error;
    /// the parser is unusable afterwards.
    public func feed(_ bytes: UnsafeRawBufferPointer, _ onResponse: (Int) -> Void = { _ in }) throws(ParseError) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        try execute(base.assumingMemoryBound(to: CChar.self), bytes.count, onResponse)
    }

    /// Tells the parser the connection ended: completes a response whose body
    /// runs to the end of the connection; throws if the stream stopped
    /// inside any other response.
    public func finish(_ onResponse: (Int) -> Void = { _ in }) throws(ParseError) {
        // http-parser takes a zero-length execute as the end of the stream.
        try execute(nil, 0, onResponse)
    }

    /// The oldest complete response not yet taken (with `keepsMessages`).
    public func nextMessage() -> Message? {
        // A handful of kept responses at a time (tests): removeFirst is fine.
        messages.isEmpty ? nil : messages.removeFirst()
    }

    private func execute(_ data: UnsafePointer<CChar>?, _ count: Int, _ onResponse: (Int) -> Void) throws(ParseError) {
        let settings = keepsMessages ? Self.keepingSettings : Self.skippingSettings
        let parsed = withUnsafePointer(to: settings) { http_parser_execute(parser, $0, data, count) }
        for status in completed { onResponse(status) }
        completed.removeAll(keepingCapacity: true)
        let errno = swerve_http_errno(parser)
        if errno != 0 {
            let code = http_errno(rawValue: errno)
            throw ParseError(name: String(cString: http_errno_name(code)),
                             description: "not an HTTP/1.x response stream: " + String(cString: http_errno_description(code)))
        }
        if parsed != count {
            // http-parser stops without an error only at a protocol upgrade.
            throw ParseError(name: "UPGRADE", description: "the server switched protocols (status \(swerve_http_status_code(parser)))")
        }
    }

    // MARK: Callbacks

    private func messageComplete() -> Int32 {
        let status = Int(swerve_http_status_code(parser))
        // An interim response: the real one follows.
        if status / 100 == 1 { return 0 }
        completed.append(status)
        if keepsMessages {
            messages.append(Message(status: status, headers: headers, body: body))
        }
        return 0
    }

    private func messageBegin() {
        headers = [:]
        body = []
        headerName.removeAll()
        headerValue.removeAll()
    }

    private func headerField(_ bytes: UnsafeRawBufferPointer) {
        // A name after a value starts the next header.
        if !headerValue.isEmpty { commitHeader() }
        headerName.append(contentsOf: bytes)
    }

    private func commitHeader() {
        let name = String(decoding: headerName, as: UTF8.self).lowercased()
        let value = String(decoding: headerValue, as: UTF8.self)
        headers[name] = headers[name].map { $0 + ", " + value } ?? value
        headerName.removeAll()
        headerValue.removeAll()
    }

    private static let skippingSettings: http_parser_settings = {
        var s = http_parser_settings()
        s.on_message_complete = { p in owner(p)?.messageComplete() ?? -1 }
        return s
    }()

    private static let keepingSettings: http_parser_settings = {
        var s = http_parser_settings()
        s.on_message_begin = { p in
            owner(p)?.messageBegin()
            return 0
        }
        s.on_header_field = { p, at, length in
            owner(p)?.headerField(UnsafeRawBufferPointer(start: at, count: length))
            return 0
        }
        s.on_header_value = { p, at, length in
            owner(p)?.headerValue.append(contentsOf: UnsafeRawBufferPointer(start: at, count: length))
            return 0
        }
        s.on_headers_complete = { p in
            if let owner = owner(p), !owner.headerName.isEmpty { owner.commitHeader() }
            return 0
        }
        s.on_body = { p, at, length in
            owner(p)?.body.append(contentsOf: UnsafeRawBufferPointer(start: at, count: length))
            return 0
        }
        s.on_message_complete = { p in owner(p)?.messageComplete() ?? -1 }
        return s
    }()

    @inline(__always)
    private static func owner(_ parser: UnsafeMutablePointer<http_parser>?) -> HTTPResponseParser? {
        guard let data = parser?.pointee.data else { return nil }
        return Unmanaged<HTTPResponseParser>.fromOpaque(data).takeUnretainedValue()
    }
}
