/// gRPC's length-prefixed message: a compressed-flag byte, a 4-byte
/// big-endian length, the message. A unary request body is exactly one.
enum GRPCMessage {
    static let prefixLength = 5

    /// Runs `body` on the one message in a unary request, inflated when it is
    /// compressed; every way the body can be wrong is a status naming it.
    static func withUnaryMessage<R>(_ request: [UInt8], encoding: String?, limit: Int,
                                    _ body: (UnsafeRawBufferPointer) -> R) throws(GRPCStatus) -> R {
        if let encoding, encoding != "identity", encoding != "gzip" {
            throw GRPCStatus(.unimplemented, "grpc-encoding '\(encoding.prefix(40))' is not supported; use identity or gzip")
        }
        guard !request.isEmpty else { throw GRPCStatus(.invalidArgument, "the call carried no request message") }
        guard request.count >= prefixLength else {
            throw GRPCStatus(.invalidArgument, "the request ends inside its 5-byte message prefix (\(request.count) bytes)")
        }
        let flag = request[0]
        let length = Int(request[1]) << 24 | Int(request[2]) << 16 | Int(request[3]) << 8 | Int(request[4])
        guard flag <= 1 else { throw GRPCStatus(.invalidArgument, "the message prefix's flag byte is \(flag); only 0 and 1 are defined") }
        guard length <= limit else {
            throw GRPCStatus(.resourceExhausted, "the request message is \(length) bytes, over the \(limit)-byte limit")
        }
        let available = request.count - prefixLength
        guard available >= length else {
            throw GRPCStatus(.invalidArgument, "the request message is truncated: the prefix announces \(length) bytes, \(available) arrived")
        }
        guard available == length else {
            throw GRPCStatus(.invalidArgument, "a unary call carries one request message; \(available - length) bytes follow it")
        }
        guard flag == 1 else {
            return request.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[prefixLength...])) }
        }
        guard encoding == "gzip" else {
            throw GRPCStatus(.internal, "the message is marked compressed but the call's grpc-encoding is \(encoding ?? "absent")")
        }
        var failure: GRPCStatus?
        let inflated = request.withUnsafeBytes { bytes -> [UInt8] in
            do throws(GRPCStatus) {
                return try GRPCGzip.inflate(UnsafeRawBufferPointer(rebasing: bytes[prefixLength...]), limit: limit)
            } catch {
                failure = error
                return []
            }
        }
        if let failure { throw failure }
        return inflated.withUnsafeBytes(body)
    }

    /// Byte `index` (0..<5) of the uncompressed prefix of a `length`-byte message.
    static func prefixByte(_ index: Int, length: Int) -> UInt8 {
        index == 0 ? 0 : UInt8(truncatingIfNeeded: UInt32(length) >> (8 * (4 - index)))
    }
}
