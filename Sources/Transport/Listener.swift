import CUV
#if canImport(Glibc)
import Glibc
#endif

/// One loop's listening socket: adopts a socket bound by ``ListeningSocket``
/// (one `SO_REUSEPORT` socket per loop), accepts connections into
/// ``StreamConnection``s with Nagle off, and hands each to `onAccept` on the
/// loop thread. Every server (framed, HTTP) listens through this.
///
/// Lifecycle: ``init(loop:fd:backlog:onAccept:onAcceptError:)`` listens;
/// ``close(_:)`` stops accepting and reports when the handle is gone.
/// Loop-thread only.
final class Listener: UVHandleOwner {
    let loop: EventLoop
    private var handle: UnsafeMutablePointer<uv_tcp_t>?
    private let onAccept: (StreamConnection) -> Void
    private let onAcceptError: () -> Void
    private var onClosed: (() -> Void)?
    private(set) var isClosed = false

    /// Adopts the bound socket `fd` and listens on it. Takes ownership of
    /// `fd`: it is closed here on failure.
    init(loop: EventLoop, fd: Int32, backlog: Int,
         onAccept: @escaping (StreamConnection) -> Void, onAcceptError: @escaping () -> Void = {}) throws {
        precondition(loop.inEventLoop)
        self.loop = loop
        self.onAccept = onAccept
        self.onAcceptError = onAcceptError
        let handle = UVHandle.allocate(uv_tcp_t.self)
        do {
            try UVError.check(uv_tcp_init(loop.uvLoop, handle), "uv_tcp_init")
        } catch {
            UVHandle.freeUninitialised(handle)
            Glibc.close(fd)
            throw error
        }
        UVHandle.setOwner(handle, self)
        self.handle = handle
        let opened = uv_tcp_open(handle, uv_os_sock_t(fd))
        if opened < 0 { Glibc.close(fd) } // not adopted: closing the handle will not close it
        do {
            try UVError.check(opened, "uv_tcp_open")
            try UVError.check(uv_listen(UVHandle.asStream(handle), Int32(clamping: backlog)) { server, status in
                UVHandle.owner(of: UVHandle.asHandle(server!), as: Listener.self).accept(status: status)
            }, "listen")
        } catch {
            self.handle = nil
            isClosed = true
            UVHandle.close(handle)
            throw error
        }
    }

    private func accept(status: Int32) {
        guard status >= 0, let handle else {
            onAcceptError()
            return
        }
        let connection: StreamConnection
        do {
            connection = try StreamConnection(loop: loop)
        } catch {
            onAcceptError()
            return
        }
        if uv_accept(UVHandle.asStream(handle), connection.stream!) < 0 {
            onAcceptError()
            connection.close()
            return
        }
        connection.setNoDelay()
        onAccept(connection)
    }

    /// Stops accepting; `onClosed` runs once the handle is closed (at once if it already is).
    func close(_ onClosed: @escaping () -> Void) {
        guard let handle else {
            if isClosed { onClosed() } else { self.onClosed = onClosed }
            return
        }
        self.handle = nil
        self.onClosed = onClosed
        UVHandle.close(handle)
    }

    func handleDidClose(_ handle: UnsafeMutableRawPointer) {
        isClosed = true
        let onClosed = self.onClosed
        self.onClosed = nil
        onClosed?()
    }
}
