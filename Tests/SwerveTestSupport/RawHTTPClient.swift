#if canImport(Glibc)
import Glibc
#endif
import REST

/// A blocking HTTP/1.1 client on a raw socket, so tests control exactly
/// which bytes go out and when (1-byte writes, pipelining, slow clients).
public final class RawHTTPClient {
    /// Status, headers (lowercased names) and body of one response.
    public typealias Response = HTTPResponseParser.Message

    public struct Failure: Error, CustomStringConvertible { public let description: String }

    private let fd: Int32
    private let parser = HTTPResponseParser(keepsMessages: true)
    private var chunk = [UInt8](repeating: 0, count: 65536)

    public init(port: Int, timeoutSeconds: Int = 10) throws {
        do {
            fd = try connectLoopback(port: port, timeoutSeconds: timeoutSeconds)
        } catch {
            throw Failure(description: "\(error)")
        }
    }

    deinit { close(fd) }

    public func send(_ text: String) throws { try send(Array(text.utf8)) }

    public func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            // A signal (a fuzzer's timer, say) may interrupt the call: try again.
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw Failure(description: "send failed: errno \(errno)") }
            sent += n
        }
    }

    /// Half-closes the connection: the server sees the end of the stream
    /// (and answers what it has, then closes) while replies can still be read.
    public func finishSending() {
        shutdown(fd, Int32(SHUT_WR))
    }

    /// A request with a JSON body and Content-Length.
    public static func request(_ method: String, _ path: String, body: String? = nil, headers: [String: String] = [:]) -> String {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\n"
        var headers = headers
        if let body {
            if headers["Content-Type"] == nil { headers["Content-Type"] = "application/json" }
            headers["Content-Length"] = String(body.utf8.count)
        }
        for (k, v) in headers.sorted(by: { $0.key < $1.key }) { text += "\(k): \(v)\r\n" }
        return text + "\r\n" + (body ?? "")
    }

    /// Sends one request with a binary body (Content-Length set; other
    /// headers, Content-Type included, only as given) and reads its response.
    public func call(_ method: String, _ path: String, bytes: [UInt8], headers: [String: String] = [:]) throws -> Response {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\nContent-Length: \(bytes.count)\r\n"
        for (k, v) in headers.sorted(by: { $0.key < $1.key }) { text += "\(k): \(v)\r\n" }
        try send(Array((text + "\r\n").utf8) + bytes)
        return try readResponse()
    }

    /// Sends one request and reads its response.
    public func call(_ method: String, _ path: String, body: String? = nil, headers: [String: String] = [:]) throws -> Response {
        try send(Self.request(method, path, body: body, headers: headers))
        return try readResponse()
    }

    /// Reads what the socket has into `parser`; false at the end of the stream.
    private func fill() throws -> Bool {
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n == 0 {
            try parser.finish()
            return false
        }
        guard n > 0 else { throw Failure(description: "recv failed or timed out: errno \(errno)") }
        try chunk.withUnsafeBytes { try parser.feed(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        return true
    }

    /// Reads one response (interim 100 Continue responses are skipped).
    public func readResponse() throws -> Response {
        while true {
            if let response = parser.nextMessage() { return response }
            guard try fill() else { throw Failure(description: "connection closed before a complete response") }
        }
    }

    /// True when the peer closes (or resets) the connection within the
    /// receive timeout; responses still pending are read and discarded.
    public func waitForClose() -> Bool {
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return true }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return errno == ECONNRESET }
        }
    }
}
