import CHiredis

extension RedisReply {
    /// Decodes raw RESP bytes into replies, in order, with the same hiredis
    /// reader and the same conversion a ``RedisConnection`` reads every reply
    /// through (the fuzz target feeds it hostile bytes). A trailing
    /// incomplete reply is left out; malformed bytes throw
    /// ``RedisError/protocolViolation(_:)`` after the replies before them.
    public static func decodeAll(wire bytes: UnsafeRawBufferPointer,
                                 _ onReply: (RedisReply) -> Void) throws(RedisError) {
        guard let reader = redisReaderCreate() else { throw RedisError.connection("hiredis: out of memory") }
        defer { redisReaderFree(reader) }
        RedisReplyLimits.apply(to: reader)
        if let base = bytes.baseAddress, bytes.count > 0,
           redisReaderFeed(reader, base.assumingMemoryBound(to: CChar.self), bytes.count) != REDIS_OK {
            throw RedisError.protocolViolation(readerError(reader))
        }
        while true {
            var reply: UnsafeMutableRawPointer?
            guard redisReaderGetReply(reader, &reply) == REDIS_OK else {
                throw RedisError.protocolViolation(readerError(reader))
            }
            guard let reply else { return }
            defer { freeReplyObject(reply) }
            onReply(RedisReply(reply.assumingMemoryBound(to: redisReply.self)))
        }
    }

    // `errstr` is a char[128] that Swift imports as a tuple; read it as the C string it is.
    private static func readerError(_ reader: UnsafeMutablePointer<redisReader>) -> String {
        withUnsafeBytes(of: reader.pointee.errstr) { raw in
            RedisReplyLimits.explain(String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self))
        }
    }
}
