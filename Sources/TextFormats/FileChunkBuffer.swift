#if canImport(Glibc)
import Glibc
#endif

/// A file read in chunks into one reusable buffer: the readers of records
/// (CSV) and lines (JSON Lines) parse `unread` in place and `consume` what
/// they used, so memory is the size of the longest record, not of the file.
final class FileChunkBuffer {
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    /// True once `read` returned end of file; `unread` then holds the last bytes.
    private(set) var atEOF = false
    /// Bytes consumed so far (progress reports).
    private(set) var consumed = 0
    let path: String

    /// Opens `path` (`"-"`: standard input); nil with `errno` set when it cannot.
    init?(path: String, chunkSize: Int) {
        self.path = path
        if path == "-" {
            descriptor = 0
            ownsDescriptor = false
        } else {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return nil }
            descriptor = fd
            ownsDescriptor = true
        }
        buffer = [UInt8](repeating: 0, count: max(chunkSize, 16))
    }

    deinit {
        if ownsDescriptor { close(descriptor) }
    }

    /// True when every byte was consumed and the file has ended.
    var isExhausted: Bool { start == end && atEOF }

    /// The bytes read but not consumed yet.
    func withUnread<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start..<end])) }
    }

    /// Marks the first `count` unread bytes as used.
    func consume(_ count: Int) {
        start += count
        consumed += count
    }

    /// Moves the unread bytes to the front, grows the buffer when they fill
    /// it (one record longer than the chunk), and reads more. Returns the
    /// `strerror` text when reading fails.
    func fill() -> String? {
        if start > 0 {
            let pending = end - start
            buffer.withUnsafeMutableBytes { raw in
                raw.baseAddress!.copyMemory(from: raw.baseAddress! + start, byteCount: pending)
            }
            start = 0
            end = pending
        }
        if end == buffer.count { buffer.append(contentsOf: repeatElement(0, count: buffer.count)) }
        let capacity = buffer.count - end
        var got: Int
        repeat {
            got = buffer.withUnsafeMutableBytes { raw in read(descriptor, raw.baseAddress! + end, capacity) }
        } while got < 0 && errno == EINTR
        if got < 0 { return String(cString: strerror(errno)) }
        if got == 0 { atEOF = true }
        end += got
        return nil
    }
}
