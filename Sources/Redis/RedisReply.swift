import CHiredis

/// One reply from Redis, copied out of hiredis's reply object.
public enum RedisReply: Sendable {
    case string([UInt8])
    case status(String)
    case integer(Int64)
    case array([RedisReply])
    case null
    /// An error reply (`-ERR ...`): the command failed, the connection is fine.
    case error(String)

    /// Copies `reply` (which the caller still frees).
    init(_ reply: UnsafeMutablePointer<redisReply>) {
        let r = reply.pointee
        switch r.type {
        case REDIS_REPLY_STRING:
            self = .string(r.str.map { Array(UnsafeRawBufferPointer(start: $0, count: r.len)) } ?? [])
        case REDIS_REPLY_STATUS:
            self = .status(r.str.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: r.len), as: UTF8.self) } ?? "")
        case REDIS_REPLY_ERROR:
            self = .error(r.str.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: r.len), as: UTF8.self) } ?? "")
        case REDIS_REPLY_INTEGER:
            self = .integer(Int64(r.integer))
        case REDIS_REPLY_ARRAY:
            var items: [RedisReply] = []
            items.reserveCapacity(r.elements)
            for i in 0..<r.elements {
                if let element = r.element[i] { items.append(RedisReply(element)) } else { items.append(.null) }
            }
            self = .array(items)
        default:
            self = .null
        }
    }

    public var bytes: [UInt8]? {
        switch self {
        case .string(let b): return b
        case .status(let s): return Array(s.utf8)
        default: return nil
        }
    }

    public var text: String? { bytes.map { String(decoding: $0, as: UTF8.self) } }

    public var integer: Int64? {
        switch self {
        case .integer(let i): return i
        case .string(let b): return Int64(String(decoding: b, as: UTF8.self))
        default: return nil
        }
    }

    public var array: [RedisReply]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    public var errorMessage: String? {
        if case .error(let m) = self { return m }
        return nil
    }
}
