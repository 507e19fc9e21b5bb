#if canImport(Glibc)
import Glibc
#endif

/// Reads a text file line by line in chunks (JSON Lines and other
/// one-record-per-line formats), so memory stays the size of the longest
/// line whatever the file's size. Lines end with LF or CRLF; the last line
/// may lack its break.
public final class LineFileReader {
    private let chunks: FileChunkBuffer
    /// 1-based number of the line `next` hands out next.
    public private(set) var line = 1
    /// The path it reads, for messages.
    public var path: String { chunks.path }
    /// Bytes of the file handed out as lines so far (progress reports).
    public var bytesConsumed: Int { chunks.consumed }

    /// Why a file could not be read: the path and the system's reason.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Opens `path` for reading; `"-"` reads standard input.
    public init(path: String, chunkSize: Int = 1 << 16) throws(Failure) {
        guard let chunks = FileChunkBuffer(path: path, chunkSize: chunkSize) else {
            throw Failure(description: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        self.chunks = chunks
    }

    /// Hands the next line (without its line break) to `body` and returns
    /// its result, or nil at the end of the file. The bytes are valid only
    /// inside `body`.
    public func next<R>(_ body: (UnsafeRawBufferPointer) throws -> R) throws -> R? {
        while true {
            if chunks.isExhausted { return nil }
            let atEOF = chunks.atEOF
            let found: (length: Int, consumed: Int)? = chunks.withUnread { raw in
                if let newline = raw.firstIndex(of: 0x0A) {
                    let length = newline > 0 && raw[newline - 1] == 0x0D ? newline - 1 : newline
                    return (length, newline + 1)
                }
                return atEOF ? (raw.count, raw.count) : nil
            }
            if let found {
                let result = try chunks.withUnread { try body(UnsafeRawBufferPointer(rebasing: $0[0..<found.length])) }
                chunks.consume(found.consumed)
                line += 1
                return result
            }
            if let failure = chunks.fill() { throw Failure(description: "reading \(path) at line \(line): \(failure)") }
        }
    }
}
