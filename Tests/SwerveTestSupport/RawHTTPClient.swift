import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A blocking HTTP/1.1 client on a raw socket, so tests control exactly
/// which bytes go out and when (1-byte writes, pipelining, slow clients).
public final class RawHTTPClient {
    public struct Response {
        public var status: Int
        public var headers: [String: String] // lowercased names
        public var body: [UInt8]
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    public struct Failure: Error, CustomStringConvertible { public let description: String }

    private let fd: Int32
    private var buffer: [UInt8] = []

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
            guard n > 0 else { throw Failure(description: "send failed: errno \(errno)") }
            sent += n
        }
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

    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n == 0 { return false }
        guard n > 0 else { throw Failure(description: "recv failed or timed out: errno \(errno)") }
        buffer += chunk[0..<n]
        return true
    }

    /// Reads one response (Content-Length bodies, as the server sends).
    public func readResponse() throws -> Response {
        let separator: [UInt8] = [13, 10, 13, 10]
        var headerEnd: Int?
        while headerEnd == nil {
            if let r = buffer.firstRange(of: separator) { headerEnd = r.lowerBound; break }
            guard try fill() else { throw Failure(description: "connection closed before a response; had \(buffer.count) bytes") }
        }
        let head = String(decoding: buffer[0..<headerEnd!], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { throw Failure(description: "bad status line: \(head)") }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        let bodyStart = headerEnd! + 4
        while buffer.count < bodyStart + length {
            guard try fill() else { throw Failure(description: "connection closed inside a body") }
        }
        let body = Array(buffer[bodyStart..<(bodyStart + length)])
        buffer.removeFirst(bodyStart + length)
        if status == 100 { return try readResponse() }
        return Response(status: status, headers: headers, body: body)
    }

    /// True when the peer closes (or resets) the connection within the
    /// receive timeout; responses still pending are read and discarded.
    public func waitForClose() -> Bool {
        while true {
            do {
                if try !fill() { return true }
            } catch {
                return errno == ECONNRESET
            }
        }
    }
}

extension Array where Element == UInt8 {
    public func firstRange(of pattern: [UInt8]) -> Range<Int>? {
        guard count >= pattern.count else { return nil }
        for i in 0...(count - pattern.count) where self[i] == pattern[0] {
            if Array(self[i..<(i + pattern.count)]) == pattern { return i..<(i + pattern.count) }
        }
        return nil
    }
}
