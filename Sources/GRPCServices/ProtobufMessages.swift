import CGRPCServiceProto
import GRPC
import Primitives

/// Unpacking and packing the generated protobuf-c messages of the gRPC
/// services, and the arena their response structs are built in.
enum ProtobufMessages {
    /// Runs `body` on the message `bytes` unpack into, then frees it; bytes
    /// that are not a `name` are INVALID_ARGUMENT naming it.
    static func withUnpacked<Message, R>(
        _ bytes: UnsafeRawBufferPointer, as name: String,
        unpack: (UnsafeMutablePointer<ProtobufCAllocator>?, Int, UnsafePointer<UInt8>?) -> UnsafeMutablePointer<Message>?,
        free: (UnsafeMutablePointer<Message>?, UnsafeMutablePointer<ProtobufCAllocator>?) -> Void,
        _ body: (UnsafeMutablePointer<Message>) throws(GRPCStatus) -> R
    ) throws(GRPCStatus) -> R {
        guard let message = unpack(nil, bytes.count, bytes.bindMemory(to: UInt8.self).baseAddress) else {
            throw GRPCStatus(.invalidArgument, "the request is not a valid \(name) message")
        }
        defer { free(message, nil) }
        return try body(message)
    }

    /// The wire bytes of a message built with its generated `__init`.
    static func packed<Message>(_ message: UnsafeMutablePointer<Message>) -> [UInt8] {
        let base = UnsafeRawPointer(message).assumingMemoryBound(to: ProtobufCMessage.self)
        let size = protobuf_c_message_get_packed_size(base)
        return [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            count = protobuf_c_message_pack(base, buffer.baseAddress)
        }
    }

    /// A C string field as a Swift string ("" for NULL).
    static func string(_ pointer: UnsafePointer<CChar>?) -> String {
        pointer.map { String(cString: $0) } ?? ""
    }
}

extension BumpArena {
    /// `bytes` copied as protobuf `bytes`.
    mutating func binary(_ bytes: [UInt8]) -> ProtobufCBinaryData {
        ProtobufCBinaryData(len: bytes.count, data: copy(bytes))
    }

    /// An array of C strings for a repeated string field.
    mutating func cStrings(_ strings: [String]) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> {
        let array = allocate(UnsafeMutablePointer<CChar>?.self, count: strings.count)
        for (i, s) in strings.enumerated() { array[i] = cString(s) }
        return array
    }

    /// An array of pointers to sub-messages for a repeated message field.
    mutating func pointers<Message>(_ messages: [UnsafeMutablePointer<Message>]) -> UnsafeMutablePointer<UnsafeMutablePointer<Message>?> {
        let array = allocate(UnsafeMutablePointer<Message>?.self, count: messages.count)
        for (i, m) in messages.enumerated() { array[i] = m }
        return array
    }
}
