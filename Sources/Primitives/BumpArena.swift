#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Memory for the C structs that describe one message while it is packed
/// (protobuf-c): strings, arrays and sub-messages are bump-allocated from a
/// few blocks and all freed together when the arena goes away.
///
/// protobuf-c packs from plain C structs holding raw pointers, and those
/// pointers must stay valid until `pack` returns; tying them to one
/// non-copyable owner makes that lifetime explicit and costs a handful of
/// mallocs per message instead of one per field.
public struct BumpArena: ~Copyable {
    private static let blockSize = 4096
    /// Allocations above this get a block of their own so one big tensor does
    /// not waste the rest of a shared block.
    private static let largeThreshold = 1024
    /// Every malloc'd block keeps a link to the one before in its first 16
    /// bytes (16 keeps what follows 16-byte aligned): no array of blocks to
    /// allocate.
    private static let header = 16

    private var newestBlock: UnsafeMutableRawPointer?
    private var cursor: UnsafeMutableRawPointer?
    private var remaining = 0

    public init() {}

    /// Runs `body` with an arena whose first block is on the stack: a
    /// message that fits in it (a typical Predict answer) costs no malloc.
    /// Nothing allocated from the arena may outlive `body`.
    public static func withStackBlock<R>(_ body: (inout BumpArena) throws -> R) rethrows -> R {
        try withUnsafeTemporaryAllocation(byteCount: blockSize, alignment: 16) { stack in
            var arena = BumpArena()
            arena.cursor = stack.baseAddress
            arena.remaining = stack.count
            return try body(&arena)
        }
    }

    deinit {
        var block = newestBlock
        while let current = block {
            block = current.load(as: UnsafeMutableRawPointer?.self)
            free(current)
        }
    }

    /// Uninitialised, suitably aligned memory for `byteCount` bytes (never nil,
    /// even for zero bytes, because protobuf-c reads no data behind a zero count).
    public mutating func allocate(byteCount: Int, alignment: Int) -> UnsafeMutableRawPointer {
        if byteCount > Self.largeThreshold {
            return newBlock(byteCount)
        }
        if let c = cursor {
            let misalignment = Int(bitPattern: c) & (alignment - 1)
            let padding = misalignment == 0 ? 0 : alignment - misalignment
            if padding + byteCount <= remaining {
                let p = c + padding
                cursor = p + byteCount
                remaining -= padding + byteCount
                return p
            }
        }
        // Blocks start 16-byte aligned (malloc's alignment, plus the header),
        // which covers every type we place.
        let block = newBlock(Self.blockSize)
        cursor = block + byteCount
        remaining = Self.blockSize - byteCount
        return block
    }

    /// `size` usable bytes in a new malloc'd block linked into the arena.
    private mutating func newBlock(_ size: Int) -> UnsafeMutableRawPointer {
        let (total, overflow) = max(size, 1).addingReportingOverflow(Self.header)
        guard !overflow, let block = malloc(total) else {
            fatalError("out of memory allocating \(size) bytes for a protobuf message")
        }
        block.storeBytes(of: newestBlock, as: UnsafeMutableRawPointer?.self)
        newestBlock = block
        return block + Self.header
    }

    /// Memory for `count` values of `T`, uninitialised.
    public mutating func allocate<T>(_: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        allocate(byteCount: MemoryLayout<T>.stride * count, alignment: MemoryLayout<T>.alignment)
            .bindMemory(to: T.self, capacity: count)
    }

    /// A protobuf-c message struct, initialised by its generated `__init` function.
    public mutating func message<T>(_: T.Type, _ initialise: (UnsafeMutablePointer<T>) -> Void) -> UnsafeMutablePointer<T> {
        let p = allocate(T.self, count: 1)
        initialise(p)
        return p
    }

    /// A copy of `values`; protobuf-c reads it as the repeated field's array.
    public mutating func copy<T>(_ values: [T]) -> UnsafeMutablePointer<T> {
        let p = allocate(T.self, count: values.count)
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress, !src.isEmpty {
                p.initialize(from: base, count: src.count)
            }
        }
        return p
    }

    /// A NUL-terminated copy of `string` (protobuf-c strings are C strings).
    public mutating func cString(_ string: String) -> UnsafeMutablePointer<CChar> {
        var s = string
        return s.withUTF8 { utf8 in
            let p = allocate(CChar.self, count: utf8.count + 1)
            if let base = utf8.baseAddress, !utf8.isEmpty {
                UnsafeMutableRawPointer(p).copyMemory(from: base, byteCount: utf8.count)
            }
            p[utf8.count] = 0
            return p
        }
    }

}
