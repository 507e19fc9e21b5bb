#if canImport(Glibc)
import Glibc
#endif

/// An output written beside its final path under a temporary name and
/// renamed into place only when complete, so a killed run never leaves half
/// an output under the real name.
final class AtomicOutputFile {
    let path: String
    private let temporaryPath: String
    private var descriptor: Int32

    init(path: String) throws(BatchError) {
        self.path = path
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        temporaryPath = "\(directory).\(name).swerve-\(getpid()).tmp"
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw BatchError("cannot create \(temporaryPath) for \(path): \(String(cString: strerror(errno)))")
        }
    }

    deinit { discard() }

    /// Appends bytes (all of them, retrying short writes and EINTR).
    func write(_ bytes: [UInt8]) throws(BatchError) {
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + written, bytes.count - written) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw BatchError("writing \(temporaryPath): \(String(cString: strerror(errno)))") }
            written += n
        }
    }

    /// Flushes to disk and renames into place.
    func commit() throws(BatchError) {
        guard descriptor >= 0 else { return }
        let synced = fsync(descriptor) == 0
        let reason = String(cString: strerror(errno))
        close(descriptor)
        descriptor = -1
        guard synced, rename(temporaryPath, path) == 0 else {
            let why = synced ? String(cString: strerror(errno)) : reason
            unlink(temporaryPath)
            throw BatchError("cannot move \(temporaryPath) to \(path): \(why)")
        }
    }

    /// Drops the temporary file (a failed run). Idempotent.
    func discard() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
        unlink(temporaryPath)
    }
}
