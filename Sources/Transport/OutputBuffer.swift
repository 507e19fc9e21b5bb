#if canImport(Glibc)
import Glibc
#endif

/// A growable byte buffer with a stable base address, for data handed to
/// libuv's asynchronous write (which must stay put until its callback). Unlike `[UInt8]`
/// its memory can be passed to C without escaping a `withUnsafe…` closure.
///
/// A value type over manually managed memory: the owner calls
/// ``deallocate()`` exactly once. Loop-thread only.
struct OutputBuffer {
    private(set) var base: UnsafeMutableRawPointer?
    private(set) var count = 0
    private(set) var capacity = 0

    var isEmpty: Bool { count == 0 }

    mutating func reserve(extra: Int) {
        let needed = count + extra
        if needed <= capacity { return }
        var newCapacity = Swift.max(capacity * 2, 4096)
        while newCapacity < needed { newCapacity *= 2 }
        guard let grown = realloc(base, newCapacity) else { fatalError("out of memory growing an output buffer to \(newCapacity) bytes") }
        base = grown
        capacity = newCapacity
    }

    /// Appends `length` bytes that `fill` writes in place.
    mutating func append(length: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Void) {
        reserve(extra: length)
        fill(UnsafeMutableRawBufferPointer(start: base! + count, count: length))
        count += length
    }

    /// Appends a copy of `bytes`.
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        reserve(extra: bytes.count)
        (base! + count).copyMemory(from: source, byteCount: bytes.count)
        count += bytes.count
    }

    /// Empties the buffer; keeps its memory unless it grew past `keepAtMost`
    /// (so one huge response does not pin memory on an idle connection).
    mutating func removeAll(keepAtMost: Int) {
        count = 0
        if capacity > keepAtMost {
            deallocate()
        }
    }

    mutating func deallocate() {
        free(base)
        base = nil
        count = 0
        capacity = 0
    }
}
