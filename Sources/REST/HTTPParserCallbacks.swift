import CHTTPParser

/// The http-parser callbacks: non-capturing closures (C function pointers)
/// that recover their ``HTTPConnection`` from `parser->data` (unretained:
/// the connection owns the parser and outlives every callback).
enum HTTPParserCallbacks {
    nonisolated(unsafe) static var settings: http_parser_settings = {
        var s = http_parser_settings()
        s.on_message_begin = { p in
            connection(p)?.messageBegin()
            return 0
        }
        s.on_url = { p, at, length in
            connection(p)?.appendURL(UnsafeRawBufferPointer(start: at, count: length)) ?? 1
        }
        s.on_header_field = { p, at, length in
            connection(p)?.appendHeaderField(UnsafeRawBufferPointer(start: at, count: length)) ?? 1
        }
        s.on_header_value = { p, at, length in
            connection(p)?.appendHeaderValue(UnsafeRawBufferPointer(start: at, count: length)) ?? 1
        }
        s.on_headers_complete = { p in
            connection(p)?.headersComplete() ?? -1
        }
        s.on_body = { p, at, length in
            connection(p)?.appendBody(UnsafeRawBufferPointer(start: at, count: length)) ?? 1
        }
        s.on_message_complete = { p in
            connection(p)?.messageComplete() ?? -1
        }
        return s
    }()

    @inline(__always)
    private static func connection(_ parser: UnsafeMutablePointer<http_parser>?) -> HTTPConnection? {
        guard let data = parser?.pointee.data else { return nil }
        return Unmanaged<HTTPConnection>.fromOpaque(data).takeUnretainedValue()
    }
}
