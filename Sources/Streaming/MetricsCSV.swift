import Logging
import TextFormats
#if canImport(Glibc)
import Glibc
#endif

/// The metrics CSV `id,y_true,y_pred,error`, appended and flushed to disk in
/// batches. On open it creates the directory and header when missing, drops
/// a torn last line a crash left, and reads back the ids of the last
/// `dedupeWindow` rows so a redelivered half never writes a second row.
final class MetricsCSV {
    static let header = "id,y_true,y_pred,error\n"

    let path: String
    private let descriptor: Int32
    private var writer = CSVWriter(capacity: 1 << 16)
    private var recent: RecentIDs
    private(set) var unflushedRows = 0

    init(path: String, dedupeWindow: Int, logger: Logger) throws(StreamError) {
        self.path = path
        recent = RecentIDs(capacity: dedupeWindow)
        try Self.makeParentDirectory(of: path)
        let fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StreamError("cannot open --csv \(path): \(String(cString: strerror(errno)))") }
        descriptor = fd
        let size = lseek(fd, 0, SEEK_END)
        if size == 0 {
            try write(Array(Self.header.utf8))
            try sync()
            return
        }
        try dropTornLine(size: Int(size), logger: logger)
        try readBackIDs()
        logger.info("\(path): \(recent.count) ids of earlier rows kept for dedupe")
    }

    deinit { close(descriptor) }

    /// Whether a row for `id` was written (within the dedupe window).
    func contains(_ id: MessageID) -> Bool { recent.contains(id.text) }

    /// Buffers one row; `error` is computed from the values as written.
    func append(id: MessageID, yTrue: Double, yPred: Double) {
        let trueWritten = Self.asWritten(yTrue)
        let predWritten = Self.asWritten(yPred)
        writer.field(id.text)
        writer.field(trueWritten, significantDigits: 9)
        writer.field(predWritten, significantDigits: 9)
        writer.field(abs(trueWritten - predWritten), significantDigits: 9)
        writer.endRecord()
        recent.insert(id.text)
        unflushedRows += 1
    }

    /// Writes the buffered rows and waits until they are on disk.
    func flush() throws(StreamError) {
        guard unflushedRows > 0 else { return }
        try write(writer.bytes)
        try sync()
        writer.reset()
        unflushedRows = 0
    }

    /// `value` as the CSV holds it: 9 significant digits, read back.
    static func asWritten(_ value: Double) -> Double {
        var scratch = CSVWriter(capacity: 32)
        scratch.field(value, significantDigits: 9)
        return Double(String(decoding: scratch.bytes, as: UTF8.self)) ?? value
    }

    private func write(_ bytes: [UInt8]) throws(StreamError) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw StreamError("writing \(path): \(String(cString: strerror(errno)))") }
            offset += n
        }
    }

    private func sync() throws(StreamError) {
        guard fdatasync(descriptor) == 0 else { throw StreamError("flushing \(path): \(String(cString: strerror(errno)))") }
    }

    /// A crash mid-write can leave a last line without its newline; that row
    /// was never acked (its halves come again), so it is cut off.
    private func dropTornLine(size: Int, logger: Logger) throws(StreamError) {
        var end = size
        var byte: UInt8 = 0
        guard pread(descriptor, &byte, 1, off_t(end - 1)) == 1 else { throw StreamError("reading \(path): \(String(cString: strerror(errno)))") }
        if byte == 0x0A { return }
        var chunk = [UInt8](repeating: 0, count: 4096)
        var cut = 0
        search: while end > 0 {
            let start = max(0, end - chunk.count)
            let n = chunk.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress!, end - start, off_t(start)) }
            guard n == end - start else { throw StreamError("reading \(path): \(String(cString: strerror(errno)))") }
            for i in stride(from: n - 1, through: 0, by: -1) where chunk[i] == 0x0A {
                cut = start + i + 1
                break search
            }
            end = start
        }
        guard ftruncate(descriptor, off_t(cut)) == 0 else { throw StreamError("truncating \(path): \(String(cString: strerror(errno)))") }
        logger.warning("\(path): dropped a torn last line (\(size - cut) bytes) left by a crash")
        if cut == 0 { try write(Array(Self.header.utf8)) }
        try sync()
    }

    private func readBackIDs() throws(StreamError) {
        do {
            let reader = try CSVFileReader(path: path)
            var fields = CSVFields()
            var first = true
            while try reader.next(into: &fields) {
                defer { first = false }
                if first && fields.count > 0 && fields.string(0) == "id" { continue }
                if fields.count == 4 { recent.insert(fields.string(0)) }
            }
        } catch {
            throw StreamError("reading back \(path): \(error)")
        }
    }

    private static func makeParentDirectory(of path: String) throws(StreamError) {
        var directory = ""
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropLast()
        for (i, part) in parts.enumerated() {
            directory += (i == 0 ? "" : "/") + part
            if directory.isEmpty || part.isEmpty || part == "." { continue }
            if mkdir(directory, 0o755) != 0 && errno != EEXIST {
                throw StreamError("cannot create directory \(directory) for --csv: \(String(cString: strerror(errno)))")
            }
        }
    }
}

/// The last `capacity` ids, in a set for lookups and a ring for eviction.
struct RecentIDs {
    private var members: Set<String> = []
    private var ring: [String] = []
    private var next = 0
    let capacity: Int

    init(capacity: Int) { self.capacity = max(1, capacity) }

    var count: Int { members.count }

    func contains(_ id: String) -> Bool { members.contains(id) }

    mutating func insert(_ id: String) {
        guard members.insert(id).inserted else { return }
        if ring.count < capacity {
            ring.append(id)
        } else {
            members.remove(ring[next])
            ring[next] = id
            next = (next + 1) % capacity
        }
    }
}
