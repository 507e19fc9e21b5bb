import CSwerveProto

/// Converts between the wire values (`Request`, `Response`, …) and their
/// protobuf bytes, through protobuf-c's generated pack/unpack.
///
/// Payloads are frame-less: the transport strips and adds the 5-byte frame
/// header. Decoding never traps on bad input; it returns a `WireError` whose
/// message names the problem. Stateless and thread-safe.
public enum ProtobufCodec {
    // MARK: Server side

    /// Decodes a client's `Request`.
    ///
    /// Errors: INVALID_ARGUMENT for bytes that are not a Request or values that
    /// do not fit together (a tensor's shape and value count, raw length,
    /// UTF-8, no call set); UNIMPLEMENTED for a call this server does not know
    /// (a newer client's `oneof call` field).
    public static func decodeRequest(_ payload: UnsafeRawBufferPointer) -> Result<Request, WireError> {
        var id: UInt64 = 0
        return decodeRequest(payload, id: &id)
    }

    /// Decodes a client's `Request`, and sets `id` to its id whenever the
    /// envelope itself parsed, even if its content is then rejected, so the
    /// error can go back under the id a pipelining client waits on. `id`
    /// stays 0 when the bytes are not a protobuf Request at all.
    public static func decodeRequest(_ payload: UnsafeRawBufferPointer, id: inout UInt64) -> Result<Request, WireError> {
        id = 0
        var envelopeId: UInt64 = 0
        let result: Result<Request, WireError> = DecodeArena.with { allocator in
            guard let message = withBytes(payload, { swerve__v1__request__unpack(allocator, $1, $0) }) else {
                return .failure(.invalidArgument("malformed Request: \(payload.count) bytes are not a valid protobuf Request message"))
            }
            // No free_unpacked: the arena owns every byte of `message`.
            envelopeId = message.pointee.id
            do throws(WireError) {
                return .success(try request(message))
            } catch {
                return .failure(error)
            }
        }
        id = envelopeId
        return result
    }

    /// Appends `response`'s protobuf bytes to `output` (no frame header).
    public static func encode(_ response: Response, into output: inout [UInt8]) {
        EncodeArena.withStackBlock { arena in
            let message = encodeResponse(response, arena: &arena)
            message.withMemoryRebound(to: ProtobufCMessage.self, capacity: 1) { append($0, to: &output) }
        }
    }

    /// Encodes `response` for a writer that wants the size before the bytes:
    /// `body` gets the packed size and a `pack` function that writes exactly
    /// that many bytes to the start of the buffer it is given (which must
    /// hold at least `size` bytes). The C structs protobuf-c packs from stay
    /// alive until `body` returns, so the size and the bytes always agree.
    ///
    /// Lets a transport pack straight into its output buffer: no
    /// intermediate array, no zero-fill, no copy.
    public static func withPackedResponse(_ response: Response,
                                          _ body: (_ size: Int, _ pack: (UnsafeMutableRawBufferPointer) -> Void) -> Void) {
        EncodeArena.withStackBlock { arena in
            let message = encodeResponse(response, arena: &arena)
            message.withMemoryRebound(to: ProtobufCMessage.self, capacity: 1) { message in
                let size = protobuf_c_message_get_packed_size(message)
                body(size) { buffer in
                    precondition(buffer.count >= size, "buffer of \(buffer.count) bytes for a \(size)-byte Response")
                    guard size > 0 else { return }
                    let written = protobuf_c_message_pack(message, buffer.baseAddress!.assumingMemoryBound(to: UInt8.self))
                    precondition(written == size, "protobuf-c packed \(written) bytes, expected \(size)")
                }
            }
        }
    }

    // MARK: Client side

    /// Appends `request`'s protobuf bytes to `output` (no frame header).
    public static func encode(_ request: Request, into output: inout [UInt8]) {
        EncodeArena.withStackBlock { arena in
            let message = encodeRequest(request, arena: &arena)
            message.withMemoryRebound(to: ProtobufCMessage.self, capacity: 1) { append($0, to: &output) }
        }
    }

    /// Decodes a server's `Response`. Errors are INVALID_ARGUMENT for bytes
    /// that are not a Response or tensors that do not fit together.
    public static func decodeResponse(_ payload: UnsafeRawBufferPointer) -> Result<Response, WireError> {
        DecodeArena.with { allocator in
            guard let message = withBytes(payload, { swerve__v1__response__unpack(allocator, $1, $0) }) else {
                return .failure(.invalidArgument("malformed Response: \(payload.count) bytes are not a valid protobuf Response message"))
            }
            // No free_unpacked: the arena owns every byte of `message`.
            do throws(WireError) {
                return .success(try response(message))
            } catch {
                return .failure(error)
            }
        }
    }

    // MARK: Helpers

    /// Calls protobuf-c with a non-null data pointer even for an empty payload.
    private static func withBytes<R>(_ payload: UnsafeRawBufferPointer,
                                     _ body: (UnsafePointer<UInt8>, Int) -> R) -> R {
        if let base = payload.baseAddress, payload.count > 0 {
            return body(base.assumingMemoryBound(to: UInt8.self), payload.count)
        }
        var empty: UInt8 = 0
        return withUnsafePointer(to: &empty) { body($0, 0) }
    }

    /// Packs `message` straight into the tail of `output`: protobuf-c writes
    /// into the array's own storage, no intermediate buffer.
    private static func append(_ message: UnsafePointer<ProtobufCMessage>, to output: inout [UInt8]) {
        let size = protobuf_c_message_get_packed_size(message)
        guard size > 0 else { return }
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: size))
        output.withUnsafeMutableBufferPointer { buffer in
            let written = protobuf_c_message_pack(message, buffer.baseAddress! + start)
            precondition(written == size, "protobuf-c packed \(written) bytes, expected \(size)")
        }
    }
}
