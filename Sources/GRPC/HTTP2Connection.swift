import CNGHTTP2
import Transport
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// gRPC over HTTP/2 on one ``StreamConnection``: an nghttp2 server session
/// fed with what the connection reads (`nghttp2_session_mem_recv`) and
/// drained into its output (`nghttp2_session_mem_send`), on the connection's
/// loop, with no thread or event loop of its own.
///
/// Each request stream carries one unary call: its HEADERS are checked, its
/// DATA gathered (up to ``GRPCLimits/maxMessageBytes``), and at END_STREAM
/// the method its `:path` names runs. The answer is HEADERS, one DATA
/// message and `grpc-status` trailers, or a trailers-only HEADERS for an
/// error. A bad call ends that stream with a status; only a broken HTTP/2
/// session (bad preface, protocol error) ends the connection, after nghttp2's
/// GOAWAY. PING and SETTINGS are answered by nghttp2; flow control is its
/// automatic window updates, bounded by the message limit.
///
/// Shutdown: ``streamServerWillShutDown(_:)`` sends GOAWAY naming the last
/// stream taken; calls in flight finish, then the connection closes (the
/// server force-closes at its grace). Loop-thread only.
public final class HTTP2Connection: StreamHandler, @unchecked Sendable {
    public let connection: StreamConnection
    var loop: EventLoop { connection.loop }
    private let router: GRPCRouter
    private let limits: GRPCLimits
    private let peer: String
    private var session: OpaquePointer?
    private var streams: [Int32: GRPCStream] = [:]
    /// Calls whose request ended (or was refused) during the read being
    /// processed; they start once nghttp2 has returned.
    private var ready: [GRPCStream] = []
    /// Calls started and not yet answered.
    private var callsInFlight = 0
    private var pausedForWrite = false
    private var peerEnded = false
    private var lastActivity: UInt64

    /// Starts an HTTP/2 server session on `connection` and queues its SETTINGS.
    public init(connection: StreamConnection, router: GRPCRouter, limits: GRPCLimits) {
        self.connection = connection
        self.router = router
        self.limits = limits
        self.peer = connection.remoteHost
        self.lastActivity = connection.now
        session = Self.makeSession(self, limits: limits)
    }

    deinit {
        if let session { nghttp2_session_del(session) }
    }

    private static func makeSession(_ owner: HTTP2Connection, limits: GRPCLimits) -> OpaquePointer? {
        var callbacks: OpaquePointer?
        guard nghttp2_session_callbacks_new(&callbacks) == 0, let callbacks else { return nil }
        defer { nghttp2_session_callbacks_del(callbacks) }
        nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, onBeginHeaders)
        nghttp2_session_callbacks_set_on_header_callback(callbacks, onHeader)
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, onFrameRecv)
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, onDataChunkRecv)
        nghttp2_session_callbacks_set_on_frame_send_callback(callbacks, onFrameSend)
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, onStreamClose)
        var session: OpaquePointer?
        guard nghttp2_session_server_new(&session, callbacks, Unmanaged.passUnretained(owner).toOpaque()) == 0,
              let session else { return nil }
        var settings = [
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS.rawValue),
                                   value: UInt32(clamping: limits.maxConcurrentStreams)),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE.rawValue),
                                   value: UInt32(clamping: min(limits.initialWindowBytes, Int(Int32.max)))),
            nghttp2_settings_entry(settings_id: Int32(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE.rawValue),
                                   value: UInt32(clamping: limits.maxHeaderListBytes)),
        ]
        guard nghttp2_submit_settings(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), &settings, settings.count) == 0,
              // The connection's window as large as one stream's, so one
              // large request does not stall on the default 64 KiB.
              nghttp2_session_set_local_window_size(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), 0,
                                                    Int32(clamping: limits.initialWindowBytes)) == 0 else {
            nghttp2_session_del(session)
            return nil
        }
        return session
    }

    // MARK: StreamHandler

    public func stream(_ connection: StreamConnection, didRead bytes: UnsafeRawBufferPointer) {
        guard let session else {
            return connection.close(error: HTTP2Error("nghttp2 could not create a server session"))
        }
        lastActivity = connection.now
        let rc = nghttp2_session_mem_recv(session, bytes.bindMemory(to: UInt8.self).baseAddress, bytes.count)
        if rc < 0 {
            // nghttp2 has queued its GOAWAY where the error allows one.
            flush()
            let reason = rc == Int(NGHTTP2_ERR_BAD_CLIENT_MAGIC.rawValue)
                ? "the connection did not start with the HTTP/2 client preface"
                : "HTTP/2 error: \(String(cString: nghttp2_strerror(Int32(truncatingIfNeeded: rc))))"
            connection.close(error: HTTP2Error(reason))
            return
        }
        startReadyCalls()
        flush()
    }

    public func streamDidReadEOF(_ connection: StreamConnection) {
        peerEnded = true
        if callsInFlight == 0 { connection.closeGracefully() }
    }

    public func streamDidWrite(_ connection: StreamConnection) {
        if pausedForWrite && connection.queuedBytes <= limits.writeLowWaterMark {
            pausedForWrite = false
            connection.startReading()
        }
    }

    public func streamSweep(_ connection: StreamConnection, now: UInt64) {
        if let idle = limits.idleTimeout, streams.isEmpty, now &- lastActivity >= idle.milliseconds {
            goAway()
        }
    }

    public func streamServerWillShutDown(_ connection: StreamConnection) {
        goAway()
    }

    public func streamDidClose(_ connection: StreamConnection) {
        for stream in streams.values { stream.isClosed = true }
        streams.removeAll()
        ready.removeAll()
        if let session { nghttp2_session_del(session) }
        session = nil
    }

    /// GOAWAY naming the last stream taken: no new calls; the ones in flight
    /// finish, then the connection closes.
    private func goAway() {
        guard let session else { return connection.closeGracefully() }
        nghttp2_submit_goaway(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), nghttp2_session_get_last_proc_stream_id(session),
                              NGHTTP2_NO_ERROR.rawValue, nil, 0)
        flush()
    }

    // MARK: Output

    /// Everything nghttp2 has to send, into the connection's output; closes
    /// once the session is done (GOAWAY exchanged and no stream open).
    private func flush() {
        guard let session else { return }
        while true {
            var data: UnsafePointer<UInt8>?
            let n = nghttp2_session_mem_send(session, &data)
            if n < 0 {
                connection.close(error: HTTP2Error("HTTP/2 error while sending: \(String(cString: nghttp2_strerror(Int32(truncatingIfNeeded: n))))"))
                return
            }
            guard n > 0, let data else { break }
            connection.write(UnsafeRawBufferPointer(start: data, count: n))
        }
        if nghttp2_session_want_read(session) == 0 && nghttp2_session_want_write(session) == 0 {
            connection.closeGracefully()
        } else if !pausedForWrite && connection.queuedBytes > limits.writeHighWaterMark {
            pausedForWrite = true
            connection.stopReading()
        }
    }

    // MARK: Calls

    private func startReadyCalls() {
        // Starting a call never readies another (only nghttp2's receive
        // callbacks do), so the list is walked in place and kept for reuse.
        for stream in ready where !stream.isClosed && !stream.isStarted { start(stream) }
        ready.removeAll(keepingCapacity: true)
    }

    private func start(_ stream: GRPCStream) {
        stream.isStarted = true
        callsInFlight += 1
        if let refusal = stream.refusal { return finish(stream, .status(refusal)) }
        let method: GRPCUnaryMethod
        switch router.method(at: stream.path ?? "") {
        case .success(let m): method = m
        case .failure(let status): return finish(stream, .status(status))
        }
        var timeoutMs: UInt32 = 0
        if let text = stream.timeout {
            guard let ms = GRPCTimeout.milliseconds(text) else {
                return finish(stream, .status(GRPCStatus(.invalidArgument, "grpc-timeout '\(text.prefix(20))' is not 1-8 digits and a unit (H, M, S, m, u, n)")))
            }
            timeoutMs = ms
        }
        let context = GRPCCallContext(path: stream.path ?? "", authorization: stream.authorization, timeoutMs: timeoutMs, peer: peer,
                                      maxMessageBytes: limits.maxMessageBytes)
        let responder = GRPCResponder(connection: self, stream: stream)
        do throws(GRPCStatus) {
            try GRPCMessage.withUnaryMessage(stream.body, encoding: stream.encoding, limit: limits.maxMessageBytes) { message in
                method(message, context, responder)
            }
        } catch {
            finish(stream, .status(error))
        }
        stream.body = []
    }

    /// Sends a call's answer (the first one only) unless its stream is gone.
    func finish(_ stream: GRPCStream, _ outcome: GRPCStream.Outcome) {
        guard !stream.isAnswered else { return }
        stream.isAnswered = true
        callsInFlight -= 1
        if !stream.isClosed, let session {
            switch outcome {
            case .message(let message):
                stream.responseMessage = message
                var provider = nghttp2_data_provider(source: nghttp2_data_source(ptr: Unmanaged.passUnretained(stream).toOpaque()),
                                                     read_callback: readResponse)
                let headers = StaticHeaders.okResponse
                if nghttp2_submit_response(session, stream.id, headers.fields, headers.count, &provider) != 0 {
                    nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), stream.id, NGHTTP2_INTERNAL_ERROR.rawValue)
                }
            case .status(let status):
                var headers = HeaderBlock()
                headers.add(":status", "200")
                headers.add("content-type", "application/grpc")
                Self.addStatus(status, to: &headers)
                let rc = headers.withFields { nghttp2_submit_response(session, stream.id, $0, $1, nil) }
                if rc != 0 { nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), stream.id, NGHTTP2_INTERNAL_ERROR.rawValue) }
            }
            flush()
        }
        if peerEnded && callsInFlight == 0 { connection.closeGracefully() }
    }

    private static func addStatus(_ status: GRPCStatus, to headers: inout HeaderBlock) {
        headers.add("grpc-status", String(status.code.rawValue).utf8)
        if !status.message.isEmpty { headers.add("grpc-message", status.percentEncodedMessage) }
    }

    // MARK: nghttp2 events

    fileprivate func beginStream(_ id: Int32) {
        streams[id] = GRPCStream(id: id)
    }

    fileprivate func header(_ id: Int32, name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
        guard let stream = streams[id], !stream.isStarted else { return }
        stream.headerBytes += name.count + value.count
        if stream.headerBytes > limits.maxHeaderListBytes {
            if stream.refusal == nil {
                stream.refusal = GRPCStatus(.resourceExhausted, "the request's headers exceed the \(limits.maxHeaderListBytes)-byte limit")
            }
            return
        }
        func text() -> String { String(decoding: value, as: UTF8.self) }
        switch name.count {
        case 5 where name.elementsEqual(":path".utf8): stream.path = text()
        case 7 where name.elementsEqual(":method".utf8): stream.method = text()
        case 12 where name.elementsEqual("content-type".utf8): stream.contentType = text()
        case 12 where name.elementsEqual("grpc-timeout".utf8): stream.timeout = text()
        case 13 where name.elementsEqual("grpc-encoding".utf8): stream.encoding = text()
        case 13 where name.elementsEqual("authorization".utf8): stream.authorization = text()
        default: break
        }
    }

    /// The request's headers are complete: refuse what is not a gRPC call
    /// now, without waiting for its body.
    fileprivate func headersEnded(_ id: Int32) {
        guard let stream = streams[id], !stream.isStarted else { return }
        if stream.refusal == nil {
            if stream.method != "POST" {
                stream.refusal = GRPCStatus(.unimplemented, "gRPC calls are POST requests, not \(stream.method?.prefix(20) ?? "none")")
            } else if !(stream.contentType ?? "").hasPrefix("application/grpc") {
                stream.refusal = GRPCStatus(.invalidArgument, "content-type '\(stream.contentType?.prefix(60) ?? "")' is not application/grpc")
            }
        }
        if stream.refusal != nil { ready.append(stream) }
    }

    fileprivate func data(_ id: Int32, _ chunk: UnsafeBufferPointer<UInt8>) {
        guard let stream = streams[id], !stream.isStarted, stream.refusal == nil else { return }
        // The message, its 5-byte prefix, and no more: a longer body is
        // refused as soon as it passes the limit, not buffered to the end.
        if stream.body.count + chunk.count > limits.maxMessageBytes + GRPCMessage.prefixLength {
            stream.refusal = GRPCStatus(.resourceExhausted, "the request message exceeds the \(limits.maxMessageBytes)-byte limit")
            stream.body = []
            ready.append(stream)
            return
        }
        stream.body.append(contentsOf: chunk)
    }

    fileprivate func requestEnded(_ id: Int32) {
        guard let stream = streams[id] else { return }
        stream.requestEnded = true
        if !stream.isStarted { ready.append(stream) }
    }

    /// A response ended its stream before the request did (a refusal): reset
    /// the stream so the client stops sending, as gRPC servers do.
    fileprivate func responseEnded(_ id: Int32) {
        guard let session, let stream = streams[id], !stream.requestEnded else { return }
        nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), id, NGHTTP2_NO_ERROR.rawValue)
    }

    fileprivate func streamClosed(_ id: Int32) {
        guard let stream = streams.removeValue(forKey: id) else { return }
        stream.isClosed = true
        lastActivity = connection.now
    }

    /// Copies the prefix and message into nghttp2's DATA frame; at the end,
    /// ends the data without END_STREAM and queues the OK trailers.
    fileprivate func copyResponse(_ stream: GRPCStream, into buffer: UnsafeMutablePointer<UInt8>, length: Int,
                                  flags: UnsafeMutablePointer<UInt32>) -> Int {
        let messageLength = stream.responseMessage.count
        var written = 0
        while stream.responseOffset < GRPCMessage.prefixLength && written < length {
            buffer[written] = GRPCMessage.prefixByte(stream.responseOffset, length: messageLength)
            written += 1
            stream.responseOffset += 1
        }
        let from = stream.responseOffset - GRPCMessage.prefixLength
        let count = min(length - written, messageLength - from)
        if count > 0 {
            stream.responseMessage.withUnsafeBufferPointer { message in
                (buffer + written).update(from: message.baseAddress! + from, count: count)
            }
            written += count
            stream.responseOffset += count
        }
        if stream.responseOffset == GRPCMessage.prefixLength + messageLength {
            flags.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue | NGHTTP2_DATA_FLAG_NO_END_STREAM.rawValue
            stream.responseMessage = []
            if let session {
                let trailers = StaticHeaders.okTrailers
                _ = nghttp2_submit_trailer(session, stream.id, trailers.fields, trailers.count)
            }
        }
        return written
    }
}

/// Why an HTTP/2 connection was closed.
public struct HTTP2Error: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}

// MARK: - nghttp2 callbacks (C function pointers: no captures)

private func owner(_ userData: UnsafeMutableRawPointer?) -> HTTP2Connection {
    Unmanaged<HTTP2Connection>.fromOpaque(userData!).takeUnretainedValue()
}

private func isRequestHeaders(_ frame: UnsafePointer<nghttp2_frame>) -> Bool {
    frame.pointee.hd.type == UInt8(NGHTTP2_HEADERS.rawValue) && frame.pointee.headers.cat == NGHTTP2_HCAT_REQUEST
}

private let onBeginHeaders: nghttp2_on_begin_headers_callback = { _, frame, userData in
    if let frame, isRequestHeaders(frame) { owner(userData).beginStream(frame.pointee.hd.stream_id) }
    return 0
}

private let onHeader: nghttp2_on_header_callback = { _, frame, name, nameLength, value, valueLength, _, userData in
    guard let frame, isRequestHeaders(frame) else { return 0 }
    owner(userData).header(frame.pointee.hd.stream_id, name: UnsafeBufferPointer(start: name, count: nameLength),
                           value: UnsafeBufferPointer(start: value, count: valueLength))
    return 0
}

private let onFrameRecv: nghttp2_on_frame_recv_callback = { _, frame, userData in
    guard let frame else { return 0 }
    let connection = owner(userData)
    let id = frame.pointee.hd.stream_id
    let type = frame.pointee.hd.type
    if isRequestHeaders(frame) { connection.headersEnded(id) }
    if (type == UInt8(NGHTTP2_HEADERS.rawValue) || type == UInt8(NGHTTP2_DATA.rawValue))
        && frame.pointee.hd.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0 {
        connection.requestEnded(id)
    }
    return 0
}

private let onFrameSend: nghttp2_on_frame_send_callback = { _, frame, userData in
    guard let frame else { return 0 }
    let type = frame.pointee.hd.type
    if (type == UInt8(NGHTTP2_HEADERS.rawValue) || type == UInt8(NGHTTP2_DATA.rawValue))
        && frame.pointee.hd.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0 {
        owner(userData).responseEnded(frame.pointee.hd.stream_id)
    }
    return 0
}

private let onDataChunkRecv: nghttp2_on_data_chunk_recv_callback = { _, _, streamID, data, length, userData in
    owner(userData).data(streamID, UnsafeBufferPointer(start: data, count: length))
    return 0
}

private let onStreamClose: nghttp2_on_stream_close_callback = { _, streamID, _, userData in
    owner(userData).streamClosed(streamID)
    return 0
}

private let readResponse: nghttp2_data_source_read_callback = { _, _, buffer, length, flags, source, userData in
    let stream = Unmanaged<GRPCStream>.fromOpaque(source!.pointee.ptr).takeUnretainedValue()
    return owner(userData).copyResponse(stream, into: buffer!, length: length, flags: flags!)
}
