import ModelRuntime

/// The envelope's `id` (field 1, a varint, of both `Request` and `Response`)
/// read and written in encoded bytes without a full decode: what a pipelining
/// client needs to match answers to calls, and what a load generator needs to
/// stamp a pre-encoded request. The only place outside the protobuf-c mapping
/// that knows field numbers.
public enum EnvelopeID {
    /// The id of an encoded `Request` or `Response`; 0 when absent (proto3
    /// omits a zero id), nil when the bytes are not a well-formed message.
    /// protobuf-c writes fields in number order, so the id is usually the
    /// first field: that case reads two bytes and returns.
    @Sendable public static func peek(_ payload: UnsafeRawBufferPointer) -> UInt64? {
        var reader = ProtobufScanner(payload)
        if let key = reader.varint(), key == idKey, let id = reader.varint() { return id }
        return scan(payload)?.id
    }

    /// The id and the status code (`Response.status.code`) of an encoded
    /// `Response`; absent fields read as 0. Nil when the bytes are not a
    /// well-formed message.
    public static func peekIDAndStatusCode(_ payload: UnsafeRawBufferPointer) -> (id: UInt64, code: Int32)? {
        scan(payload)
    }

    /// A copy of an encoded message whose id is absent (0) with `id` set:
    /// the field is appended, which protobuf parsers read as the message's
    /// id (for a scalar the last occurrence wins).
    @inline(__always)
    public static func appending(id: UInt64, to message: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(message.count + 11)
        bytes.append(contentsOf: message)
        append(id: id, to: &bytes)
        return bytes
    }

    /// Appends an id field to `bytes` (see ``appending(id:to:)``).
    @inline(__always)
    public static func append(id: UInt64, to bytes: inout [UInt8]) {
        bytes.append(UInt8(idKey))
        var value = id
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    // Field 1, wire type 0 (varint).
    private static let idKey: UInt64 = 0x08
    // Response.status is field 2 (length-delimited); Status.code is its field 1.
    private static let statusKey: UInt64 = 0x12
    private static let codeKey: UInt64 = 0x08

    private static func scan(_ payload: UnsafeRawBufferPointer) -> (id: UInt64, code: Int32)? {
        var reader = ProtobufScanner(payload)
        var id: UInt64 = 0
        var code: Int32 = 0
        while !reader.atEnd {
            guard let key = reader.varint() else { return nil }
            switch key {
            case idKey:
                guard let value = reader.varint() else { return nil }
                id = value
            case statusKey:
                guard let length = reader.varint(), let status = reader.slice(Int(clamping: length)) else { return nil }
                var inner = ProtobufScanner(status)
                while !inner.atEnd {
                    guard let innerKey = inner.varint() else { return nil }
                    if innerKey == codeKey {
                        guard let value = inner.varint() else { return nil }
                        code = Int32(truncatingIfNeeded: value)
                    } else if !inner.skip(wireType: innerKey & 7) {
                        return nil
                    }
                }
            default:
                if !reader.skip(wireType: key & 7) { return nil }
            }
        }
        return (id, code)
    }
}

/// Walks the top-level fields of encoded protobuf bytes (varints, lengths,
/// skips) without decoding them; every method returns nil/false on
/// truncated or malformed input rather than trapping.
struct ProtobufScanner {
    let bytes: UnsafeRawBufferPointer
    var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var atEnd: Bool { offset >= bytes.count }

    mutating func varint() -> UInt64? {
        ProtobufVarint.read(bytes, at: &offset, end: bytes.count)
    }

    mutating func slice(_ length: Int) -> UnsafeRawBufferPointer? {
        guard length >= 0, length <= bytes.count - offset else { return nil }
        defer { offset += length }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)])
    }

    mutating func skip(wireType: UInt64) -> Bool {
        switch wireType {
        case 0: return varint() != nil
        case 1: return slice(8) != nil
        case 2:
            guard let length = varint() else { return false }
            return slice(Int(clamping: length)) != nil
        case 5: return slice(4) != nil
        default: return false
        }
    }
}
