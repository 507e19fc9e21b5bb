import CUV
#if canImport(Glibc)
import Glibc
#endif

/// Implemented by an object that owns libuv handles and must learn when one
/// of them has finished closing (its memory is freed right after the call).
protocol UVHandleOwner: AnyObject {
    func handleDidClose(_ handle: UnsafeMutableRawPointer)
}

/// The one convention every libuv handle in this module follows, so that any
/// handle can be closed by anyone (even by a loop-wide sweep at shutdown)
/// without leaks or use-after-free:
///
/// - memory comes from `calloc` (zeroed, freeable without knowing the type);
/// - `data` holds a *retained* reference to the owning Swift object, or nil;
/// - the close callback releases that reference, tells the owner, and frees
///   the memory. Memory is released nowhere else.
enum UVHandle {
    static func allocate<T>(_ type: T.Type) -> UnsafeMutablePointer<T> {
        guard let raw = calloc(1, MemoryLayout<T>.size) else { fatalError("out of memory allocating a libuv handle") }
        return raw.bindMemory(to: T.self, capacity: 1)
    }

    static func asHandle<T>(_ handle: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<uv_handle_t> {
        UnsafeMutableRawPointer(handle).assumingMemoryBound(to: uv_handle_t.self)
    }

    static func asStream<T>(_ handle: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<uv_stream_t> {
        UnsafeMutableRawPointer(handle).assumingMemoryBound(to: uv_stream_t.self)
    }

    /// Stores a retained reference to `owner` in the handle's `data`.
    static func setOwner<T>(_ handle: UnsafeMutablePointer<T>, _ owner: AnyObject) {
        asHandle(handle).pointee.data = Unmanaged.passRetained(owner).toOpaque()
    }

    /// Recovers the owner from `data` (unretained: the handle keeps it alive).
    @inline(__always)
    static func owner<O: AnyObject>(of handle: UnsafeMutablePointer<uv_handle_t>, as type: O.Type) -> O {
        Unmanaged<O>.fromOpaque(handle.pointee.data!).takeUnretainedValue()
    }

    /// Closes the handle unless it is already closing. Safe to call twice.
    static func close<T>(_ handle: UnsafeMutablePointer<T>) {
        close(asHandle(handle))
    }

    static func close(_ h: UnsafeMutablePointer<uv_handle_t>) {
        if uv_is_closing(h) != 0 { return }
        uv_close(h, closeCallback)
    }

    /// Frees a handle that was allocated but never initialised with libuv.
    static func freeUninitialised<T>(_ handle: UnsafeMutablePointer<T>) {
        free(UnsafeMutableRawPointer(handle))
    }

    static let closeCallback: uv_close_cb = { handle in
        guard let handle else { return }
        if let data = handle.pointee.data {
            handle.pointee.data = nil
            let owner = Unmanaged<AnyObject>.fromOpaque(data).takeRetainedValue()
            (owner as? UVHandleOwner)?.handleDidClose(UnsafeMutableRawPointer(handle))
        }
        free(UnsafeMutableRawPointer(handle))
    }
}
