import CHiredis

/// Limits on what hiredis's reader may allocate for one reply.
///
/// hiredis 0.14 allocates an array reply's element table as soon as it reads
/// the header: `*80000000\r\n` asks for 640 MB before a single element has
/// arrived, and the reader has no limit of its own (1.x added
/// `maxelements`). Every reader swerve uses gets reply constructors that
/// refuse larger arrays; hiredis then fails the read ("Out of memory"),
/// which drops the connection like any other protocol error.
enum RedisReplyLimits {
    /// The most elements one array reply may have. swerve's largest replies
    /// (XREADGROUP batches, MGET over the prediction cache) are far smaller.
    static let maxArrayElements: Int32 = 1 << 20

    /// Installs the capped constructors on `reader`.
    static func apply(to reader: UnsafeMutablePointer<redisReader>) {
        reader.pointee.fn = capped
    }

    /// The message for a read that failed on the cap (or on a real allocation failure).
    static func explain(_ readerError: String) -> String {
        readerError == "Out of memory"
            ? "reply too large (arrays over \(maxArrayElements) elements are refused) or out of memory"
            : readerError
    }

    // hiredis's own constructors, read from a reader it made (its table is
    // static inside libhiredis); the capped table calls through to them.
    private static let hiredisDefaults: redisReplyObjectFunctions = {
        guard let reader = redisReaderCreate() else { fatalError("hiredis: out of memory creating a reader") }
        defer { redisReaderFree(reader) }
        return reader.pointee.fn.pointee
    }()

    private static let capped: UnsafeMutablePointer<redisReplyObjectFunctions> = {
        let table = UnsafeMutablePointer<redisReplyObjectFunctions>.allocate(capacity: 1)
        table.initialize(to: hiredisDefaults)
        table.pointee.createArray = { task, elements in
            // hiredis narrows the header's count to int: a huge one may arrive negative.
            guard elements >= 0, elements <= RedisReplyLimits.maxArrayElements else { return nil }
            return RedisReplyLimits.hiredisDefaults.createArray(task, elements)
        }
        return table
    }()
}
