import CRabbitMQ
#if canImport(Glibc)
import Glibc
#endif

/// One message taken from a queue, not yet acknowledged.
public struct Delivery: Sendable {
    /// The channel's delivery tag: what `ack` takes.
    public let tag: UInt64
    /// The queue it came from (the routing key: messages go through the default exchange).
    public let queue: String
    public let body: [UInt8]
    /// nil when the publisher set none (read as JSON).
    public let contentType: String?
    /// The broker delivered it before without an ack (a consumer died or reconnected).
    public let redelivered: Bool
    /// String-valued headers (dead letters carry `x-swerve-reason` here).
    public var headers: [(String, String)] = []

    /// The value of header `name`, if it is a string.
    public func header(_ name: String) -> String? { headers.first { $0.0 == name }?.1 }
}

/// A blocking AMQP 0-9-1 connection with one channel, through rabbitmq-c.
///
/// Lifecycle: `init` connects, logs in and opens channel 1; `close()` (or
/// deinit) closes it. Any thrown error leaves the connection unusable: the
/// caller drops it and reconnects. Not thread-safe: one connection per thread,
/// and a publishing connection is never the consuming one, so confirms are
/// never read in the middle of a consume.
public final class AMQPConnection {
    private let state: amqp_connection_state_t
    private let channel: amqp_channel_t = 1
    private var closed = false
    // Set by any error: the connection is then only good for freeing.
    private var failed = false
    private var confirming = false
    private var nextPublishTag: UInt64 = 1
    private var unconfirmed = Set<UInt64>()
    private var envelope = amqp_envelope_t()

    /// Connects within `timeout` (TCP connect, handshake and each later RPC).
    public init(_ url: BrokerURL, timeout: Duration = .seconds(10)) throws(StreamError) {
        guard let state = amqp_new_connection() else { throw StreamError("rabbitmq-c could not allocate a connection") }
        self.state = state
        var limit = Self.timeval(timeout)
        amqp_set_handshake_timeout(state, &limit)
        amqp_set_rpc_timeout(state, &limit)
        guard let socket = amqp_tcp_socket_new(state) else {
            abandon()
            throw fail("rabbitmq-c could not create a TCP socket")
        }
        let opened = amqp_socket_open_noblock(socket, url.host, Int32(url.port), &limit)
        guard opened == AMQP_STATUS_OK.rawValue else {
            abandon()
            throw fail("cannot connect to the broker at \(url.host):\(url.port): \(String(cString: amqp_error_string2(opened)))")
        }
        do {
            // Heartbeats off: a broker restart closes the socket, which every
            // blocking call notices; waits have their own deadlines.
            try check(swerve_amqp_login_plain(state, url.virtualHost, 0, url.user, url.password), "logging in to \(url)")
            amqp_channel_open(state, channel)
            try check(amqp_get_rpc_reply(state), "opening a channel")
        } catch {
            abandon()
            throw error
        }
    }

    deinit { close() }

    /// Closes the channel and the connection. After a failure the closing
    /// handshake is skipped: the socket is gone or in an unknown state.
    public func close() {
        guard !closed else { return }
        if !failed {
            amqp_channel_close(state, channel, Int32(AMQP_REPLY_SUCCESS))
            amqp_connection_close(state, Int32(AMQP_REPLY_SUCCESS))
        }
        abandon()
    }

    /// Frees the connection without a handshake (once: deinit runs after a throwing init too).
    private func abandon() {
        guard !closed else { return }
        closed = true
        amqp_destroy_connection(state)
    }

    /// Declares a durable queue (idempotent: an existing durable queue is fine).
    public func declareQueue(_ name: String) throws(StreamError) {
        _ = name.withCString { amqp_queue_declare(state, channel, amqp_cstring_bytes($0), 0, 1, 0, 0, amqp_empty_table) }
        try check(amqp_get_rpc_reply(state), "declaring queue '\(name)'")
    }

    /// Turns on publisher confirms: each publish gets a delivery tag that the
    /// broker acks once the message is safe (persisted for a durable queue).
    public func enableConfirms() throws(StreamError) {
        amqp_confirm_select(state, channel)
        try check(amqp_get_rpc_reply(state), "enabling publisher confirms")
        confirming = true
    }

    /// How many fresh deliveries the broker sends before acks (0 = unlimited).
    public func setPrefetch(_ count: Int) throws(StreamError) {
        amqp_basic_qos(state, channel, 0, UInt16(clamping: count), 0)
        try check(amqp_get_rpc_reply(state), "setting prefetch \(count)")
    }

    /// Starts consuming `queue` with explicit acks.
    public func consume(_ queue: String) throws(StreamError) {
        _ = queue.withCString { amqp_basic_consume(state, channel, amqp_cstring_bytes($0), amqp_empty_bytes, 0, 0, 0, amqp_empty_table) }
        try check(amqp_get_rpc_reply(state), "consuming queue '\(queue)'")
    }

    /// Publishes a persistent JSON message to `queue` through the default
    /// exchange; `headers` become string headers; `contentType` nil sends
    /// none. With confirms on, the message counts as unconfirmed until
    /// `waitForConfirms`.
    public func publish(_ queue: String, _ body: [UInt8], headers: [(String, String)] = [],
                        contentType: String? = "application/json") throws(StreamError) {
        var properties = amqp_basic_properties_t()
        properties._flags = amqp_flags_t(AMQP_BASIC_DELIVERY_MODE_FLAG)
        properties.delivery_mode = 2
        // Header strings must outlive the call; they are copied to C and freed after.
        var entries = headers.map { header -> amqp_table_entry_t in
            var entry = amqp_table_entry_t()
            entry.key = Self.copy(header.0)
            entry.value.kind = UInt8(ascii: "S")
            entry.value.value.bytes = Self.copy(header.1)
            return entry
        }
        defer {
            for entry in entries {
                amqp_bytes_free(entry.key)
                amqp_bytes_free(entry.value.value.bytes)
            }
        }
        let status: Int32 = (contentType ?? "").withCString { type in
            if contentType != nil {
                properties._flags |= amqp_flags_t(AMQP_BASIC_CONTENT_TYPE_FLAG)
                properties.content_type = amqp_cstring_bytes(type)
            }
            return entries.withUnsafeMutableBufferPointer { table in
                if !headers.isEmpty {
                    properties._flags |= amqp_flags_t(AMQP_BASIC_HEADERS_FLAG)
                    properties.headers = amqp_table_t(num_entries: Int32(table.count), entries: table.baseAddress)
                }
                return queue.withCString { routingKey in
                    body.withUnsafeBytes { raw in
                        let bytes = amqp_bytes_t(len: raw.count, bytes: UnsafeMutableRawPointer(mutating: raw.baseAddress))
                        return amqp_basic_publish(state, channel, amqp_empty_bytes, amqp_cstring_bytes(routingKey), 0, 0, &properties, bytes)
                    }
                }
            }
        }
        guard status == AMQP_STATUS_OK.rawValue else {
            throw fail("publishing to '\(queue)' failed: \(String(cString: amqp_error_string2(status)))")
        }
        if confirming {
            unconfirmed.insert(nextPublishTag)
            nextPublishTag += 1
        }
    }

    /// Messages published and not yet confirmed.
    public var unconfirmedCount: Int { unconfirmed.count }

    /// Reads `basic.ack` / `basic.nack` frames until every published message
    /// is confirmed. A nack, a closed channel or the deadline passing throws.
    public func waitForConfirms(timeout: Duration = .seconds(30)) throws(StreamError) {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var frame = amqp_frame_t()
        while !unconfirmed.isEmpty {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else {
                throw fail("the broker did not confirm \(unconfirmed.count) messages within \(timeout)")
            }
            var wait = Self.timeval(remaining)
            let status = amqp_simple_wait_frame_noblock(state, &frame, &wait)
            if status == AMQP_STATUS_TIMEOUT.rawValue { continue }
            guard status == AMQP_STATUS_OK.rawValue else {
                throw fail("waiting for publisher confirms: \(String(cString: amqp_error_string2(status)))")
            }
            guard frame.frame_type == UInt8(AMQP_FRAME_METHOD) else { continue }
            let method = frame.payload.method
            switch method.id {
            case swerve_amqp_basic_ack_method():
                let ack = method.decoded.assumingMemoryBound(to: amqp_basic_ack_t.self).pointee
                settle(ack.delivery_tag, multiple: ack.multiple != 0)
            case swerve_amqp_basic_nack_method():
                let nack = method.decoded.assumingMemoryBound(to: amqp_basic_nack_t.self).pointee
                throw fail("the broker refused message \(nack.delivery_tag) (basic.nack): it may be lost; republishing")
            case swerve_amqp_channel_close_method(), swerve_amqp_connection_close_method():
                throw fail("the broker closed the connection: \(Self.closeReason(method))")
            default:
                continue
            }
        }
        amqp_maybe_release_buffers(state)
    }

    private func settle(_ tag: UInt64, multiple: Bool) {
        if multiple {
            unconfirmed = unconfirmed.filter { $0 > tag }
        } else {
            unconfirmed.remove(tag)
        }
    }

    /// The next delivery, or nil when none arrives within `timeout`
    /// (`.zero` only takes what is already buffered or readable).
    public func nextDelivery(timeout: Duration) throws(StreamError) -> Delivery? {
        amqp_maybe_release_buffers(state)
        var wait = Self.timeval(timeout)
        let reply = amqp_consume_message(state, &envelope, &wait, 0)
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            defer { amqp_destroy_envelope(&envelope) }
            let message = envelope.message
            let body = message.body.len == 0 ? [] : Array(UnsafeRawBufferPointer(start: message.body.bytes, count: message.body.len))
            var contentType: String?
            if message.properties._flags & amqp_flags_t(AMQP_BASIC_CONTENT_TYPE_FLAG) != 0 {
                contentType = Self.string(message.properties.content_type)
            }
            var delivery = Delivery(tag: envelope.delivery_tag, queue: Self.string(envelope.routing_key), body: body,
                                    contentType: contentType, redelivered: envelope.redelivered != 0)
            if message.properties._flags & amqp_flags_t(AMQP_BASIC_HEADERS_FLAG) != 0, let entries = message.properties.headers.entries {
                for i in 0..<Int(message.properties.headers.num_entries) where entries[i].value.kind == UInt8(ascii: "S") {
                    delivery.headers.append((Self.string(entries[i].key), Self.string(entries[i].value.value.bytes)))
                }
            }
            return delivery
        case AMQP_RESPONSE_LIBRARY_EXCEPTION where reply.library_error == AMQP_STATUS_TIMEOUT.rawValue:
            return nil
        case AMQP_RESPONSE_LIBRARY_EXCEPTION where reply.library_error == AMQP_STATUS_UNEXPECTED_STATE.rawValue:
            // A frame other than a delivery: the broker is closing the channel
            // or cancelled the consumer (queue deleted). Read it to say which.
            var frame = amqp_frame_t()
            var quick = Self.timeval(.seconds(1))
            if amqp_simple_wait_frame_noblock(state, &frame, &quick) == AMQP_STATUS_OK.rawValue,
               frame.frame_type == UInt8(AMQP_FRAME_METHOD) {
                throw fail("the broker interrupted the consumer: \(Self.closeReason(frame.payload.method))")
            }
            throw fail("the broker interrupted the consumer")
        default:
            try check(reply, "consuming")
            return nil
        }
    }

    /// Acknowledges a delivery (`multiple`: and every earlier one on this channel).
    public func ack(_ tag: UInt64, multiple: Bool = false) throws(StreamError) {
        let status = amqp_basic_ack(state, channel, tag, multiple ? 1 : 0)
        guard status == AMQP_STATUS_OK.rawValue else {
            throw fail("ack failed: \(String(cString: amqp_error_string2(status)))")
        }
    }

    // MARK: Helpers

    /// Marks the connection failed and returns the error to throw.
    private func fail(_ message: String) -> StreamError {
        failed = true
        return StreamError(message)
    }

    private func check(_ reply: amqp_rpc_reply_t, _ what: String) throws(StreamError) {
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            return
        case AMQP_RESPONSE_NONE:
            throw fail("\(what): the broker sent no reply")
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            throw fail("\(what): \(String(cString: amqp_error_string2(reply.library_error)))")
        default:
            throw fail("\(what): \(Self.closeReason(reply.reply))")
        }
    }

    private static func closeReason(_ method: amqp_method_t) -> String {
        switch method.id {
        case swerve_amqp_connection_close_method():
            let close = method.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            return "connection closed by the broker (\(close.reply_code) \(string(close.reply_text)))"
        case swerve_amqp_channel_close_method():
            let close = method.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
            return "channel closed by the broker (\(close.reply_code) \(string(close.reply_text)))"
        default:
            return "unexpected method 0x\(String(method.id, radix: 16))"
        }
    }

    /// A malloc'd copy for a header table (freed with amqp_bytes_free).
    private static func copy(_ text: String) -> amqp_bytes_t {
        text.withCString { amqp_bytes_malloc_dup(amqp_cstring_bytes($0)) }
    }

    private static func string(_ bytes: amqp_bytes_t) -> String {
        guard bytes.len > 0, let base = bytes.bytes else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: base, count: bytes.len), as: UTF8.self)
    }

    private static func timeval(_ duration: Duration) -> Glibc.timeval {
        let (seconds, attoseconds) = duration.components
        return Glibc.timeval(tv_sec: Int(max(0, seconds)), tv_usec: Int(max(0, attoseconds / 1_000_000_000_000)))
    }
}

