#if canImport(Glibc)
import Glibc
#endif
import Primitives

/// A simple synchronous client over a plain POSIX socket: for the CLI and for
/// tests. ``call(_:)`` sends one frame and waits for one; ``send(_:)`` and
/// ``receive()`` separately allow pipelining (many requests written before
/// any response is read).
///
/// Timeouts: the connect timeout bounds connection setup; the I/O timeout
/// bounds each ``receive()`` (the whole frame) and, for sends, each wait for
/// the socket to accept more bytes. Interrupted system calls
/// (EINTR) are retried within the same deadline.
///
/// Not thread-safe: use one client from one thread at a time.
public final class BlockingFrameClient {
    /// The bound on each receive (and blocked send); nil waits forever.
    public var ioTimeout: Duration?
    private var fd: Int32
    private var decoder: FrameDecoder
    private var received: [[UInt8]] = []
    private var receivedHead = 0
    private var readBuffer = [UInt8](repeating: 0, count: 64 * 1024)
    private var sendBuffer: [UInt8] = []
    private var peerClosed = false

    /// Connects to `host:port` (numeric address or name; each resolved
    /// address is tried in turn).
    public init(
        host: String,
        port: Int,
        connectTimeout: Duration = .seconds(5),
        ioTimeout: Duration? = .seconds(30),
        maxFrameLength: Int = Frame.defaultMaxPayloadLength
    ) throws {
        self.ioTimeout = ioTimeout
        self.decoder = FrameDecoder(maxPayloadLength: maxFrameLength)
        let addresses = try SocketAddress.resolveBlocking(host: host, port: port)
        var lastError: Error = TransportError.invalidAddress(host, reason: "no addresses")
        let deadline = MonotonicClock.deadline(after: connectTimeout)
        for address in addresses {
            do {
                self.fd = try Self.connect(address, deadline: deadline, host: host, port: port, timeout: connectTimeout)
                return
            } catch {
                lastError = error
            }
        }
        throw lastError
    }

    deinit {
        if fd >= 0 { Glibc.close(fd) }
    }

    /// Closes the connection. Idempotent.
    public func close() {
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }

    /// Sends one request frame.
    public func send(_ payload: [UInt8]) throws {
        sendBuffer.removeAll(keepingCapacity: true)
        Frame.append(payload: payload, to: &sendBuffer)
        try writeAll(sendBuffer)
    }

    /// Sends several frames with as few writes as possible (pipelining).
    public func send(frames payloads: [[UInt8]]) throws {
        sendBuffer.removeAll(keepingCapacity: true)
        for payload in payloads { Frame.append(payload: payload, to: &sendBuffer) }
        try writeAll(sendBuffer)
    }

    /// Sends raw bytes, framed or not (tests use it to send garbage).
    public func sendRaw(_ bytes: [UInt8]) throws {
        try writeAll(bytes)
    }

    /// Waits for the next response frame. Throws ``TransportError/timedOut(after:)``
    /// after the I/O timeout, ``TransportError/connectionClosed`` when the
    /// server closed the connection, ``TransportError/framing(_:)`` for bytes
    /// that are not frames.
    public func receive() throws -> [UInt8] {
        let deadline = MonotonicClock.deadline(after: ioTimeout)
        while receivedHead == received.count {
            guard fd >= 0 else { throw TransportError.notConnected }
            if peerClosed { throw TransportError.connectionClosed }
            try waitFor(events: Int16(POLLIN), deadline: deadline)
            guard let n = try UVError.nonBlocking("read", { readBuffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) } }) else {
                continue
            }
            if n > 0 {
                do {
                    try readBuffer.withUnsafeBytes { buffer in
                        try decoder.feed(UnsafeRawBufferPointer(rebasing: buffer[..<n])) { payload in
                            received.append(Array(payload))
                            return .proceed
                        }
                    }
                } catch let error as FrameError {
                    throw TransportError.framing(error)
                }
            } else {
                peerClosed = true
            }
        }
        let frame = received[receivedHead]
        receivedHead += 1
        if receivedHead == received.count {
            received.removeAll(keepingCapacity: true)
            receivedHead = 0
        }
        return frame
    }

    /// Sends `payload` and waits for one response.
    public func call(_ payload: [UInt8]) throws -> [UInt8] {
        try send(payload)
        return try receive()
    }

    /// Waits until the server closes the connection (reading and discarding
    /// frames meanwhile), or the I/O timeout passes. For tests.
    public func waitForClose() throws {
        while true {
            do {
                _ = try receive()
            } catch TransportError.connectionClosed {
                return
            } catch let error as UVError where error.kind == .connectionReset {
                return
            }
        }
    }

    // MARK: - Internals

    private func writeAll(_ bytes: [UInt8]) throws {
        guard fd >= 0 else { throw TransportError.notConnected }
        var offset = 0
        while offset < bytes.count {
            if let n = try UVError.nonBlocking("send", { bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) } }) {
                offset += n
            } else {
                // The timeout bounds each wait without progress, not the
                // whole transfer: a large pipelined batch may take longer.
                try waitFor(events: Int16(POLLOUT), deadline: MonotonicClock.deadline(after: ioTimeout))
            }
        }
    }

    private func waitFor(events: Int16, deadline: UInt64?) throws {
        if try !Self.poll(fd, events: events, deadline: deadline) { throw TransportError.timedOut(after: ioTimeout ?? .zero) }
    }

    /// Waits for `events` on `fd` until `deadline`; false when it passed first.
    private static func poll(_ fd: Int32, events: Int16, deadline: UInt64?) throws -> Bool {
        var pfd = pollfd(fd: fd, events: events, revents: 0)
        // The timeout is recomputed on every EINTR retry, so the deadline holds.
        let ready = try UVError.posix("poll") { Glibc.poll(&pfd, 1, MonotonicClock.pollTimeout(until: deadline)) }
        return ready > 0
    }

    private static func connect(_ address: SocketAddress, deadline: UInt64?, host: String, port: Int, timeout: Duration) throws -> Int32 {
        let fd = try UVError.posix("socket") {
            socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        }
        do {
            // A non-blocking connect is "in progress" (nil) until the socket is writable.
            let connected = try UVError.nonBlocking("connect to \(address)", { Int(address.withSockAddr { Glibc.connect(fd, $0, $1) }) })
            if connected == nil {
                if try !poll(fd, events: Int16(POLLOUT), deadline: deadline) {
                    throw TransportError.connectTimedOut(host: host, port: port, after: timeout)
                }
                var soError: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &length)
                if soError != 0 { throw UVError(errno: soError, operation: "connect to \(address)") }
            }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            return fd
        } catch {
            Glibc.close(fd)
            throw error
        }
    }
}
