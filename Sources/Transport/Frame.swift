/// The frame format of swerve's binary protocol, and helpers that encode frames.
///
/// A frame is gRPC-style (but this is not gRPC):
///
/// ```
/// +-------+------------------------+-----------------------+
/// | flags | length (4 bytes, BE)   | payload (length bytes) |
/// +-------+------------------------+-----------------------+
/// ```
///
/// `flags` bit 0 means "compressed" (unsupported: a decoding error); bits 1–7
/// are reserved and must be 0. The payload is one protobuf message.
///
/// The encoders append to a caller-owned buffer so that a connection can reuse
/// one buffer's capacity for every response it writes.
public enum Frame {
    /// Bytes in a frame header: one flags byte and a 4-byte length.
    public static let headerSize = 5
    /// The default limit on a payload's length: 16 MiB.
    public static let defaultMaxPayloadLength = 16 * 1024 * 1024
    /// The largest payload length the 4-byte length field can express.
    public static let maxEncodableLength = Int(UInt32.max)
    /// Flags bit 0: the payload is compressed (not supported by swerve).
    public static let compressedFlag: UInt8 = 0x01

    /// Writes a 5-byte header for an uncompressed payload of `length` bytes
    /// at `destination`, which must have room for `headerSize` bytes.
    @inlinable
    public static func writeHeader(length: Int, to destination: UnsafeMutableRawPointer) {
        precondition(length >= 0 && length <= maxEncodableLength, "frame payload length \(length) does not fit in 32 bits")
        let n = UInt32(truncatingIfNeeded: length)
        destination.storeBytes(of: 0, toByteOffset: 0, as: UInt8.self)
        destination.storeBytes(of: UInt8(truncatingIfNeeded: n >> 24), toByteOffset: 1, as: UInt8.self)
        destination.storeBytes(of: UInt8(truncatingIfNeeded: n >> 16), toByteOffset: 2, as: UInt8.self)
        destination.storeBytes(of: UInt8(truncatingIfNeeded: n >> 8), toByteOffset: 3, as: UInt8.self)
        destination.storeBytes(of: UInt8(truncatingIfNeeded: n), toByteOffset: 4, as: UInt8.self)
    }

    /// Appends a header announcing `length` payload bytes; the caller appends
    /// exactly `length` bytes of payload next.
    @inlinable
    public static func appendHeader(length: Int, to buffer: inout [UInt8]) {
        precondition(length >= 0 && length <= maxEncodableLength, "frame payload length \(length) does not fit in 32 bits")
        let n = UInt32(truncatingIfNeeded: length)
        buffer.append(0)
        buffer.append(UInt8(truncatingIfNeeded: n >> 24))
        buffer.append(UInt8(truncatingIfNeeded: n >> 16))
        buffer.append(UInt8(truncatingIfNeeded: n >> 8))
        buffer.append(UInt8(truncatingIfNeeded: n))
    }

    /// Appends one complete frame (header and payload) to `buffer`.
    @inlinable
    public static func append(payload: UnsafeRawBufferPointer, to buffer: inout [UInt8]) {
        // No reserveCapacity here: it reserves exactly, which turns many
        // appends into quadratic copying; append's own growth is geometric.
        appendHeader(length: payload.count, to: &buffer)
        buffer.append(contentsOf: payload)
    }

    /// Appends one complete frame (header and payload) to `buffer`.
    @inlinable
    public static func append(payload: [UInt8], to buffer: inout [UInt8]) {
        payload.withUnsafeBytes { append(payload: $0, to: &buffer) }
    }

    /// Appends a frame whose payload `writePayload` appends to the buffer
    /// itself (for example a protobuf encoder writing in place), then patches
    /// the length into the header. Avoids building the payload in a separate
    /// array first.
    @inlinable
    public static func append(to buffer: inout [UInt8], _ writePayload: (inout [UInt8]) throws -> Void) rethrows {
        let start = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: headerSize))
        do {
            try writePayload(&buffer)
        } catch {
            buffer.removeSubrange(start...)
            throw error
        }
        let length = buffer.count - start - headerSize
        buffer.withUnsafeMutableBytes { writeHeader(length: length, to: $0.baseAddress! + start) }
    }

    /// Returns a new array holding one frame: header and payload.
    @inlinable
    public static func encode(_ payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        append(payload: payload, to: &out)
        return out
    }
}
