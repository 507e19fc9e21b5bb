import CSwerveProto
import Primitives

/// The arena swerve's own messages are packed from.
typealias EncodeArena = BumpArena

extension BumpArena {
    /// A copy of `string`'s UTF-8 bytes as protobuf `bytes`.
    mutating func bytes(_ string: String) -> ProtobufCBinaryData {
        var s = string
        return s.withUTF8 { utf8 in
            let p = allocate(UInt8.self, count: utf8.count)
            if let base = utf8.baseAddress, !utf8.isEmpty {
                p.initialize(from: base, count: utf8.count)
            }
            return ProtobufCBinaryData(len: utf8.count, data: p)
        }
    }

    /// `values` as little-endian bytes for a tensor's `raw` field: one memcpy on
    /// little-endian machines, a byte swap per value elsewhere.
    mutating func littleEndianBytes<T>(_ values: [T], toLittleEndian: (T) -> T) -> ProtobufCBinaryData {
        let byteCount = values.count * MemoryLayout<T>.stride
        #if _endian(big)
        let p = copy(values.map(toLittleEndian))
        #else
        let p = copy(values)
        #endif
        return ProtobufCBinaryData(len: byteCount, data: UnsafeMutableRawPointer(p).assumingMemoryBound(to: UInt8.self))
    }
}
