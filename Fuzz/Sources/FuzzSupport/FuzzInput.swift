/// One fuzzer input, read as a stream of bytes the target slices as it needs.
///
/// The first byte chooses how the rest is split into chunks (``chunks()``),
/// so one input covers both "all at once" and "one byte at a time" reads of
/// the same bytes, and libFuzzer can steer the split like any other byte.
public struct FuzzInput {
    public let bytes: UnsafeRawBufferPointer

    public init(_ data: UnsafePointer<UInt8>?, _ size: Int) {
        bytes = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
    }

    /// The bytes after the split byte, cut into chunks: whole when the split
    /// byte is 0, otherwise into pieces of 1...64 bytes whose lengths a small
    /// generator seeded by the split byte decides.
    public func chunks() -> [UnsafeRawBufferPointer] {
        guard let seed = bytes.first else { return [] }
        let rest = UnsafeRawBufferPointer(rebasing: bytes[1...])
        guard seed != 0 else { return [rest] }
        var state = UInt32(seed)
        var pieces: [UnsafeRawBufferPointer] = []
        var start = 0
        while start < rest.count {
            // A linear congruential step is plenty: the split only needs to
            // be deterministic for a given input, not random.
            state = state &* 1_103_515_245 &+ 12345
            let length = min(Int((state >> 16) % 64) + 1, rest.count - start)
            pieces.append(UnsafeRawBufferPointer(rebasing: rest[start..<(start + length)]))
            start += length
        }
        return pieces
    }
}
