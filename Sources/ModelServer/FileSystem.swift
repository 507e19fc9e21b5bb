#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed file-system call, with the path and the C library's reason.
struct FileSystemError: Error, Sendable, CustomStringConvertible {
    var path: String
    var operation: String
    var code: Int32

    var description: String { "cannot \(operation) \(path): \(String(cString: strerror(code)))" }
    var isNotFound: Bool { code == ENOENT || code == ENOTDIR }
}

/// The few file-system calls the repository scan needs, straight on the C
/// library so every failure (EACCES, ELOOP, ENOENT, …) becomes a typed error
/// naming the path instead of a crash or a silent skip.
enum FileSystem {
    enum Kind: Sendable { case directory, regularFile, other }

    /// `stat` (following symlinks): the kind of file and its stamp.
    static func status(_ path: String) throws(FileSystemError) -> (kind: Kind, stamp: FileStamp) {
        var info = stat()
        let result = retryingInterrupts { stat(path, &info) }
        guard result == 0 else { throw FileSystemError(path: path, operation: "stat", code: errno) }
        let kind: Kind
        switch info.st_mode & S_IFMT {
        case S_IFDIR: kind = .directory
        case S_IFREG: kind = .regularFile
        default: kind = .other
        }
        let stamp = FileStamp(device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
                              modifiedSeconds: Int64(info.st_mtim.tv_sec),
                              modifiedNanoseconds: Int64(info.st_mtim.tv_nsec))
        return (kind, stamp)
    }

    /// The names in a directory, without "." and "..", in no particular order.
    static func entries(of path: String) throws(FileSystemError) -> [String] {
        guard let dir = opendir(path) else {
            throw FileSystemError(path: path, operation: "list directory", code: errno)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while true {
            errno = 0
            guard let entry = readdir(dir) else {
                if errno != 0 { throw FileSystemError(path: path, operation: "list directory", code: errno) }
                break
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Reads a whole (small) file; refuses files over `limit` bytes.
    static func readFile(_ path: String, limit: Int) throws(FileSystemError) -> [UInt8] {
        let fd = retryingInterrupts { open(path, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { throw FileSystemError(path: path, operation: "open", code: errno) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { buffer in
                retryingInterrupts { read(fd, buffer.baseAddress, buffer.count) }
            }
            if n < 0 { throw FileSystemError(path: path, operation: "read", code: errno) }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            if bytes.count > limit { throw FileSystemError(path: path, operation: "read (larger than \(limit) bytes)", code: EFBIG) }
        }
        return bytes
    }

    private static func retryingInterrupts<T: FixedWidthInteger>(_ call: () -> T) -> T {
        while true {
            let result = call()
            if result == -1 && errno == EINTR { continue }
            return result
        }
    }
}
