/// An incremental parser for a stream of HTTP/1.1 responses (keep-alive,
/// pipelined): it reports each complete response's status code and skips
/// bodies without copying them. Enough HTTP for a load generator: status
/// line, `Content-Length`, `Transfer-Encoding: chunked` (with trailers),
/// bodiless statuses (1xx, 204, 304), and bodies delimited by the end of the
/// connection (``finish()``).
///
/// It does not validate header syntax beyond what framing needs, and it
/// assumes every request was not a HEAD request.
struct HTTPResponseParser: Sendable {
    /// Why a byte stream is not a sequence of HTTP/1.x responses.
    public enum ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        case malformedStatusLine(String)
        case malformedContentLength(String)
        case malformedChunkSize(String)
        case lineTooLong(limit: Int)
        case truncated

        public var description: String {
            switch self {
            case .malformedStatusLine(let line): return "not an HTTP/1.x status line: '\(line)'"
            case .malformedContentLength(let value): return "Content-Length '\(value)' is not a decimal byte count"
            case .malformedChunkSize(let line): return "chunk size line '\(line)' is not hexadecimal"
            case .lineTooLong(let limit): return "a status, header or chunk line exceeds \(limit) bytes"
            case .truncated: return "the connection ended inside a response"
            }
        }
    }

    private enum State: Sendable {
        case statusLine
        case headers
        case body(remaining: Int)
        case bodyUntilClose
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
    }

    private var state = State.statusLine
    private var line: [UInt8] = []
    private var status = 0
    private var contentLength: Int?
    private var chunked = false
    private let maxLineLength: Int

    /// - Parameter maxLineLength: longest status, header or chunk-size line accepted.
    public init(maxLineLength: Int = 16 * 1024) {
        self.maxLineLength = maxLineLength
        line.reserveCapacity(256)
    }

    /// True between responses (nothing of a next response seen yet).
    public var isIdle: Bool {
        if case .statusLine = state { return line.isEmpty }
        return false
    }

    /// Parses `bytes`, calling `onResponse` with the status code of every
    /// response that completes in them. Throws at the first framing error;
    /// the parser is unusable afterwards.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, _ onResponse: (Int) -> Void) throws(ParseError) {
        var i = 0
        let n = bytes.count
        while i < n {
            switch state {
            case .body(let remaining):
                let take = min(remaining, n - i)
                i += take
                if take == remaining {
                    complete(onResponse)
                } else {
                    state = .body(remaining: remaining - take)
                }
            case .chunkData(let remaining):
                let take = min(remaining, n - i)
                i += take
                state = take == remaining ? .chunkDataEnd : .chunkData(remaining: remaining - take)
            case .bodyUntilClose:
                i = n
            case .statusLine, .headers, .chunkSize, .chunkDataEnd, .trailers:
                // Gather one line (up to LF) and act on it.
                var end = i
                while end < n && bytes[end] != 0x0A { end += 1 }
                if line.count + (end - i) > maxLineLength { throw .lineTooLong(limit: maxLineLength) }
                line.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[i..<end]))
                if end == n { return }
                i = end + 1
                if line.last == 0x0D { line.removeLast() }
                try lineComplete(onResponse)
                line.removeAll(keepingCapacity: true)
            }
        }
    }

    /// Tells the parser the connection ended: completes a response whose body
    /// runs to the end of the connection; throws ``ParseError/truncated`` if
    /// the stream stopped inside any other response.
    public mutating func finish(_ onResponse: (Int) -> Void) throws(ParseError) {
        switch state {
        case .bodyUntilClose:
            complete(onResponse)
        case .statusLine where line.isEmpty:
            break
        default:
            throw .truncated
        }
    }

    private mutating func lineComplete(_ onResponse: (Int) -> Void) throws(ParseError) {
        switch state {
        case .statusLine:
            // A stray empty line between responses is tolerated (RFC 9112 §2.2).
            if line.isEmpty { return }
            status = try Self.parseStatus(line)
            contentLength = nil
            chunked = false
            state = .headers
        case .headers:
            if line.isEmpty {
                headersComplete(onResponse)
            } else {
                try header(line)
            }
        case .chunkSize:
            let size = try Self.parseChunkSize(line)
            state = size == 0 ? .trailers : .chunkData(remaining: size)
        case .chunkDataEnd:
            // The CRLF after a chunk's data.
            state = .chunkSize
        case .trailers:
            if line.isEmpty { complete(onResponse) }
        case .body, .bodyUntilClose, .chunkData:
            break
        }
    }

    private mutating func headersComplete(_ onResponse: (Int) -> Void) {
        if (100..<200).contains(status) {
            // An interim response: the real one follows.
            state = .statusLine
        } else if status == 204 || status == 304 {
            complete(onResponse)
        } else if chunked {
            state = .chunkSize
        } else if let contentLength {
            if contentLength == 0 { complete(onResponse) } else { state = .body(remaining: contentLength) }
        } else {
            state = .bodyUntilClose
        }
    }

    private mutating func complete(_ onResponse: (Int) -> Void) {
        state = .statusLine
        onResponse(status)
    }

    private mutating func header(_ line: [UInt8]) throws(ParseError) {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return }
        let name = line[..<colon]
        var valueStart = colon + 1
        while valueStart < line.count && (line[valueStart] == 0x20 || line[valueStart] == 0x09) { valueStart += 1 }
        var valueEnd = line.count
        while valueEnd > valueStart && (line[valueEnd - 1] == 0x20 || line[valueEnd - 1] == 0x09) { valueEnd -= 1 }
        let value = line[valueStart..<valueEnd]
        if Self.equalsIgnoringCase(name, "content-length") {
            var length = 0
            guard !value.isEmpty, value.count <= 18 else {
                throw .malformedContentLength(String(decoding: value, as: UTF8.self))
            }
            for byte in value {
                guard byte >= 0x30 && byte <= 0x39 else {
                    throw .malformedContentLength(String(decoding: value, as: UTF8.self))
                }
                length = length * 10 + Int(byte - 0x30)
            }
            contentLength = length
        } else if Self.equalsIgnoringCase(name, "transfer-encoding") {
            chunked = Self.containsIgnoringCase(value, "chunked")
        }
    }

    static func parseStatus(_ line: [UInt8]) throws(ParseError) -> Int {
        // "HTTP/1.1 200 OK": version, space, three digits, then a space or the end.
        guard line.count >= 12, line.starts(with: Array("HTTP/1.".utf8)), line[8] == 0x20 else {
            throw .malformedStatusLine(String(decoding: line.prefix(80), as: UTF8.self))
        }
        var code = 0
        for index in 9..<12 {
            let byte = line[index]
            guard byte >= 0x30 && byte <= 0x39 else {
                throw .malformedStatusLine(String(decoding: line.prefix(80), as: UTF8.self))
            }
            code = code * 10 + Int(byte - 0x30)
        }
        guard line.count == 12 || line[12] == 0x20, code >= 100 else {
            throw .malformedStatusLine(String(decoding: line.prefix(80), as: UTF8.self))
        }
        return code
    }

    static func parseChunkSize(_ line: [UInt8]) throws(ParseError) -> Int {
        var size = 0
        var digits = 0
        for byte in line {
            let value: Int
            switch byte {
            case 0x30...0x39: value = Int(byte - 0x30)
            case 0x41...0x46: value = Int(byte - 0x41 + 10)
            case 0x61...0x66: value = Int(byte - 0x61 + 10)
            case UInt8(ascii: ";"), 0x20, 0x09:
                // Chunk extensions (and whitespace before them) are ignored.
                if digits == 0 { throw .malformedChunkSize(String(decoding: line, as: UTF8.self)) }
                return size
            default:
                throw .malformedChunkSize(String(decoding: line, as: UTF8.self))
            }
            digits += 1
            guard digits <= 15 else { throw .malformedChunkSize(String(decoding: line, as: UTF8.self)) }
            size = size * 16 + value
        }
        if digits == 0 { throw .malformedChunkSize(String(decoding: line, as: UTF8.self)) }
        return size
    }

    private static func equalsIgnoringCase(_ bytes: ArraySlice<UInt8>, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        let expected = UnsafeBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount)
        for (a, b) in zip(bytes, expected) where a | 0x20 != b { return false }
        return true
    }

    private static func containsIgnoringCase(_ bytes: ArraySlice<UInt8>, _ lowercase: StaticString) -> Bool {
        let needle = Array(UnsafeBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount))
        guard bytes.count >= needle.count else { return false }
        let hay = Array(bytes)
        for start in 0...(hay.count - needle.count) {
            var match = true
            for k in 0..<needle.count where hay[start + k] | 0x20 != needle[k] {
                match = false
                break
            }
            if match { return true }
        }
        return false
    }
}
