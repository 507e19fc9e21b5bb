/// Reads a `Response`'s id (field 1) and status code (field 2 → field 1)
/// straight from its protobuf bytes, without decoding the result: the load
/// generator needs nothing else from a predict response, and a full decode
/// would cost more than the server's own work for a small model.
enum ResponseScan {
    /// The id and status code, or nil when the bytes are not a well-formed
    /// protobuf message. Absent fields read as 0, as in proto3.
    static func idAndCode(_ payload: UnsafeRawBufferPointer) -> (id: UInt64, code: Int32)? {
        var reader = Reader(bytes: payload)
        var id: UInt64 = 0
        var code: Int32 = 0
        while !reader.atEnd {
            guard let key = reader.varint() else { return nil }
            let field = key >> 3
            switch (field, key & 7) {
            case (1, 0):
                guard let value = reader.varint() else { return nil }
                id = value
            case (2, 2):
                guard let length = reader.varint(), let status = reader.slice(Int(clamping: length)) else { return nil }
                var inner = Reader(bytes: status)
                while !inner.atEnd {
                    guard let innerKey = inner.varint() else { return nil }
                    if innerKey == 0x08 {
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

    /// Just the id, for ``Transport/FrameClient``'s `.byID` correlation.
    static func id(_ payload: UnsafeRawBufferPointer) -> UInt64? {
        // The server writes the id first; check that fast path before a full scan.
        var reader = Reader(bytes: payload)
        if let key = reader.varint(), key == 0x08, let id = reader.varint() { return id }
        return idAndCode(payload)?.id
    }

    struct Reader {
        let bytes: UnsafeRawBufferPointer
        var offset = 0

        var atEnd: Bool { offset >= bytes.count }

        mutating func varint() -> UInt64? {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while offset < bytes.count && shift < 64 {
                let byte = bytes[offset]
                offset += 1
                result |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return result }
                shift += 7
            }
            return nil
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
}
