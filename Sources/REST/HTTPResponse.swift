import TextFormats
import Transport

/// A response ready to write: status, body and the few headers that vary.
/// An `Error` too, so a translation step can fail with the response to send.
public struct HTTPResponse: Sendable, Error {
    public var status: Int
    public var body: [UInt8]
    /// `application/json` unless set (the metrics page is text).
    public var contentType: StaticString
    /// For 405: the methods the path accepts.
    public var allow: StaticString?
    /// Triton's binary extension: the length of the JSON that leads the body.
    public var inferenceHeaderLength: Int?
    /// For 401: `WWW-Authenticate: Bearer`, the scheme the server accepts.
    public var wwwAuthenticate = false
    /// For 429: `Retry-After` in seconds.
    public var retryAfterSeconds: Int?

    public init(status: Int, body: [UInt8], contentType: StaticString = "application/json", allow: StaticString? = nil) {
        self.status = status
        self.body = body
        self.contentType = contentType
        self.allow = allow
    }

    /// `{"error": message}` with `status`.
    public static func error(_ status: Int, _ message: String) -> HTTPResponse {
        var w = JSONWriter(capacity: message.utf8.count + 16)
        w.raw("{\"error\":")
        w.string(message)
        w.byte(UInt8(ascii: "}"))
        return HTTPResponse(status: status, body: w.bytes)
    }

    static let continueLine: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// Writes the status line, headers and body.
    func write(to connection: StreamConnection, close: Bool) {
        var head = JSONWriter(capacity: 160)
        head.raw("HTTP/1.1 ")
        head.int(status)
        head.byte(0x20)
        head.raw(HTTPStatus.reason(status))
        head.raw("\r\nContent-Type: ")
        head.raw(contentType)
        head.raw("\r\nContent-Length: ")
        head.int(body.count)
        if let allow {
            head.raw("\r\nAllow: ")
            head.raw(allow)
        }
        if let inferenceHeaderLength {
            head.raw("\r\nInference-Header-Content-Length: ")
            head.int(inferenceHeaderLength)
        }
        if wwwAuthenticate { head.raw("\r\nWWW-Authenticate: Bearer realm=\"swerve\"") }
        if let retryAfterSeconds {
            head.raw("\r\nRetry-After: ")
            head.int(retryAfterSeconds)
        }
        if close { head.raw("\r\nConnection: close") }
        head.raw("\r\n\r\n")
        connection.write(head.bytes)
        connection.write(body)
    }
}
