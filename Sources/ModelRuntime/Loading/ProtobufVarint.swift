/// Reads one protobuf base-128 varint: the one varint reader for the code
/// that walks encoded protobuf without a full decode (ONNX's nesting check
/// here, the serving envelope's id in Wire).
public enum ProtobufVarint {
    /// The varint starting at `position` (advanced past it), or nil when the
    /// bytes before `end` hold no complete varint of at most 64 bits.
    // Inlinable: Wire calls it once per pipelined response it matches.
    @inlinable
    public static func read(_ bytes: UnsafeRawBufferPointer, at position: inout Int, end: Int) -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while position < end, shift < 64 {
            let byte = bytes[position]
            position += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
        return nil
    }
}
