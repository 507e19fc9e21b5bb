/// Splits a byte stream into frame payloads, incrementally.
///
/// Feed it chunks exactly as they arrive from a socket, split anywhere (even
/// inside the header). Each complete payload is handed to a closure:
///
/// - when a frame lies entirely inside the chunk, the payload is a slice of the
///   chunk itself (no copy);
/// - only a frame that spans chunks is assembled in the decoder's own buffer,
///   and that buffer's capacity is reused for the next spanning frame.
///
/// The header is checked as soon as its bytes arrive: a bad flags byte fails
/// on the first byte, and a length over ``maxPayloadLength`` fails before any
/// memory is reserved for the payload. After an error the decoder stays failed
/// and every later call throws the same error: the stream cannot be trusted.
///
/// The frame closure can ask to ``Disposition/pause``: the decoder stops
/// delivering and keeps the unprocessed rest of the chunk (copied into its own
/// buffer, the one time a copy is made for a whole frame) until ``resume(_:)``.
/// A server uses this to stop exactly at its in-flight request limit.
///
/// Not thread-safe: one decoder belongs to one connection on one thread.
public struct FrameDecoder {
    /// What the frame closure wants next.
    public enum Disposition: Sendable {
        /// Deliver the next frame if there is one.
        case proceed
        /// Deliver nothing more until ``FrameDecoder/resume(_:)``.
        case pause
    }

    /// The largest payload accepted, in bytes; longer frames are refused.
    public let maxPayloadLength: Int

    // Bytes of one incomplete frame (header first), or, while `hasBacklog`,
    // the unprocessed bytes left behind by a pause (any number of frames).
    private var buffer: [UInt8] = []
    private var hasBacklog = false
    private var failure: FrameError?

    // A spanning-frame buffer larger than this is released after use rather
    // than kept for the next frame, so one huge frame does not pin memory on
    // a long-lived connection.
    private static let retainedCapacity = 64 * 1024

    /// Creates a decoder refusing payloads longer than `maxPayloadLength` bytes.
    public init(maxPayloadLength: Int = Frame.defaultMaxPayloadLength) {
        precondition(maxPayloadLength >= 0, "maxPayloadLength must not be negative")
        self.maxPayloadLength = min(maxPayloadLength, Frame.maxEncodableLength)
    }

    /// The error that failed this decoder, if any.
    public var error: FrameError? { failure }

    /// True when a pause left unprocessed bytes that ``resume(_:)`` will deliver.
    public var hasPendingBacklog: Bool { hasBacklog }

    /// Bytes held by the decoder: a partial frame or a paused backlog.
    public var bufferedByteCount: Int { buffer.count }

    /// True when the decoder holds no bytes, i.e. the stream ended cleanly on
    /// a frame boundary (useful at end of stream to detect truncation).
    public var isAtFrameBoundary: Bool { buffer.isEmpty }

    /// Feeds one chunk of the stream, calling `onFrame` for each complete
    /// payload in order. The payload pointer is valid only during the call.
    ///
    /// Frames completed before an error in the same chunk are delivered first;
    /// then the error is thrown. If the decoder is paused (``hasPendingBacklog``)
    /// the chunk is appended to the backlog and delivery resumes with the
    /// backlog first.
    public mutating func feed(
        _ chunk: UnsafeRawBufferPointer,
        _ onFrame: (UnsafeRawBufferPointer) -> Disposition
    ) throws(FrameError) {
        if let failure { throw failure }
        if hasBacklog {
            buffer.append(contentsOf: chunk)
            try resume(onFrame)
            return
        }
        var rest = chunk
        if !buffer.isEmpty {
            guard try completeSpanningFrame(&rest) else { return }
            let disposition = buffer.withUnsafeBytes { onFrame(UnsafeRawBufferPointer(rebasing: $0[Frame.headerSize...])) }
            if buffer.capacity > Self.retainedCapacity {
                buffer = []
            } else {
                buffer.removeAll(keepingCapacity: true)
            }
            if disposition == .pause {
                keepBacklog(rest)
                return
            }
        }
        try scan(rest, onFrame)
    }

    /// Delivers frames from the backlog a pause left behind, until it is
    /// exhausted or `onFrame` pauses again. Does nothing without a backlog.
    public mutating func resume(_ onFrame: (UnsafeRawBufferPointer) -> Disposition) throws(FrameError) {
        if let failure { throw failure }
        guard hasBacklog else { return }
        let backlog = buffer
        buffer = []
        hasBacklog = false
        // withUnsafeBytes only rethrows untyped errors, so carry the typed one out in a Result.
        try backlog.withUnsafeBytes { bytes in
            Result { () throws(FrameError) in try scan(bytes, onFrame) }
        }.get()
    }

    /// Convenience for tests and simple clients: feeds `bytes` and returns the
    /// payloads completed by it, copied into arrays.
    public mutating func feed(_ bytes: [UInt8]) throws(FrameError) -> [[UInt8]] {
        var frames: [[UInt8]] = []
        try bytes.withUnsafeBytes { chunk in
            Result { () throws(FrameError) in
                try feed(chunk) { payload in
                    frames.append(Array(payload))
                    return .proceed
                }
            }
        }.get()
        return frames
    }

    // MARK: - Internals

    // Moves bytes from `rest` into `buffer` to complete the frame that began
    // in an earlier chunk. Returns false while it is still incomplete.
    private mutating func completeSpanningFrame(_ rest: inout UnsafeRawBufferPointer) throws(FrameError) -> Bool {
        if buffer.count < Frame.headerSize {
            let take = min(Frame.headerSize - buffer.count, rest.count)
            buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: rest[..<take]))
            rest = UnsafeRawBufferPointer(rebasing: rest[take...])
            if buffer.count < Frame.headerSize { return false }
            let header = buffer.withUnsafeBytes { (b: UnsafeRawBufferPointer) -> (UInt8, Int) in (b[0], Self.length(b, at: 0)) }
            let length = try checkedLength(flags: header.0, length: header.1)
            // Only now, with the length checked, reserve room for the payload.
            buffer.reserveCapacity(Frame.headerSize + length)
        }
        let length = buffer.withUnsafeBytes { Self.length($0, at: 0) }
        let take = min(Frame.headerSize + length - buffer.count, rest.count)
        buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: rest[..<take]))
        rest = UnsafeRawBufferPointer(rebasing: rest[take...])
        return buffer.count == Frame.headerSize + length
    }

    // Delivers every whole frame in `region` straight from its memory; keeps
    // an incomplete tail in `buffer`.
    private mutating func scan(_ region: UnsafeRawBufferPointer, _ onFrame: (UnsafeRawBufferPointer) -> Disposition) throws(FrameError) {
        var offset = 0
        let count = region.count
        while offset < count {
            let available = count - offset
            if available < Frame.headerSize {
                try checkFlags(region[offset])
                break
            }
            let length = try checkedLength(region, at: offset)
            if available - Frame.headerSize < length { break }
            let start = offset + Frame.headerSize
            offset = start + length
            if onFrame(UnsafeRawBufferPointer(rebasing: region[start..<offset])) == .pause {
                keepBacklog(UnsafeRawBufferPointer(rebasing: region[offset...]))
                return
            }
        }
        if offset < count {
            let tail = UnsafeRawBufferPointer(rebasing: region[offset...])
            if tail.count >= Frame.headerSize {
                // Length already checked above.
                buffer.reserveCapacity(Frame.headerSize + Self.length(tail, at: 0))
            }
            buffer.append(contentsOf: tail)
        }
    }

    private mutating func keepBacklog(_ rest: UnsafeRawBufferPointer) {
        guard !rest.isEmpty else { return }
        buffer.append(contentsOf: rest)
        hasBacklog = true
    }

    private mutating func checkFlags(_ flags: UInt8) throws(FrameError) {
        if flags == 0 { return }
        let error: FrameError = flags & Frame.compressedFlag != 0 ? .compressedFlagUnsupported : .reservedFlags(flags)
        failure = error
        throw error
    }

    private mutating func checkedLength(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws(FrameError) -> Int {
        try checkedLength(flags: bytes[offset], length: Self.length(bytes, at: offset))
    }

    private mutating func checkedLength(flags: UInt8, length: Int) throws(FrameError) -> Int {
        try checkFlags(flags)
        if length > maxPayloadLength {
            let error = FrameError.frameTooLarge(length: length, limit: maxPayloadLength)
            failure = error
            throw error
        }
        return length
    }

    @inline(__always)
    private static func length(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Int {
        Int(UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: offset + 1, as: UInt32.self)))
    }
}
