/// Job ids: 128 random bits as 32 lowercase hex digits, so ids from many
/// front servers never collide and cannot be guessed from one another.
enum JobID {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        var bytes = [UInt8](repeating: 0, count: 32)
        for i in 0..<16 {
            bytes[i] = digits[Int((high >> UInt64(60 - 4 * i)) & 0xF)]
            bytes[16 + i] = digits[Int((low >> UInt64(60 - 4 * i)) & 0xF)]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Ids come from clients: reject anything that is not a plausible id
    /// before it reaches a Redis key or a log line.
    static func validate(_ id: String) -> WireErrorDescription? {
        if id.isEmpty { return "job_id is required" }
        if id.utf8.count > 128 { return "job_id is longer than 128 bytes" }
        if id.utf8.contains(where: { $0 < 0x21 || $0 > 0x7e }) {
            return "job_id '\(id.prefix(64))' contains characters no job id has"
        }
        return nil
    }
}

typealias WireErrorDescription = String
