import CSwerveProto
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A `ProtobufCAllocator` for one unpack: protobuf-c's many small
/// allocations (the message, each sub-message, string and array) are bumped
/// from a stack buffer, spilling into malloc'd chunks only for large
/// messages, and everything goes at once when the scope ends.
///
/// Why: with the default allocator a small Predict costs about a dozen
/// malloc/free pairs plus `free_unpacked`'s walk of the message, roughly a
/// third of the decode time; the decoded values are copied into Swift before
/// the scope ends, so nothing outlives the arena. Never call
/// `free_unpacked` on a message unpacked with this allocator.
enum DecodeArena {
    /// Stack space tried first; a typical request fits.
    private static let stackBytes = 4096
    private static let chunkBytes = 16384
    /// Allocations above this get a block of their own.
    private static let largeThreshold = 2048
    /// Every block keeps a link to the previous one in its first 16 bytes
    /// (16 so the memory after it stays 16-byte aligned).
    private static let header = 16

    private struct State {
        var cursor: UnsafeMutableRawPointer
        var end: UnsafeMutableRawPointer
        /// The newest malloc'd block; each links to the one before.
        var blocks: UnsafeMutableRawPointer?
    }

    /// Runs `body` with an allocator valid until it returns.
    static func with<R>(_ body: (UnsafeMutablePointer<ProtobufCAllocator>) -> R) -> R {
        withUnsafeTemporaryAllocation(byteCount: stackBytes, alignment: 16) { stack in
            var state = State(cursor: stack.baseAddress!, end: stack.baseAddress! + stack.count, blocks: nil)
            return withUnsafeMutablePointer(to: &state) { statePointer in
                defer { releaseBlocks(statePointer.pointee.blocks) }
                var allocator = ProtobufCAllocator(
                    alloc: { data, size in
                        DecodeArena.allocate(data!.assumingMemoryBound(to: State.self), size)
                    },
                    free: { _, _ in
                        // Freed with the arena; protobuf-c frees only scratch memory during unpack.
                    },
                    allocator_data: UnsafeMutableRawPointer(statePointer))
                return withUnsafeMutablePointer(to: &allocator) { body($0) }
            }
        }
    }

    private static func allocate(_ state: UnsafeMutablePointer<State>, _ size: Int) -> UnsafeMutableRawPointer? {
        let rounded = (max(size, 1) + 15) & ~15
        if rounded > largeThreshold {
            return newBlock(state, rounded).map { $0 + header }
        }
        if state.pointee.end - state.pointee.cursor < rounded {
            guard let block = newBlock(state, chunkBytes) else { return nil }
            state.pointee.cursor = block + header
            state.pointee.end = block + chunkBytes
        }
        let p = state.pointee.cursor
        state.pointee.cursor += rounded
        return p
    }

    /// A malloc'd block of `header + bytes` linked into the arena; nil when
    /// malloc fails, which protobuf-c reports as a failed unpack.
    private static func newBlock(_ state: UnsafeMutablePointer<State>, _ bytes: Int) -> UnsafeMutableRawPointer? {
        let (total, overflow) = bytes.addingReportingOverflow(header)
        guard !overflow, let block = malloc(total) else { return nil }
        block.storeBytes(of: state.pointee.blocks, as: UnsafeMutableRawPointer?.self)
        state.pointee.blocks = block
        return block
    }

    private static func releaseBlocks(_ newest: UnsafeMutableRawPointer?) {
        var next = newest
        while let block = next {
            next = block.load(as: UnsafeMutableRawPointer?.self)
            free(block)
        }
    }
}
