#if canImport(Glibc)
import Glibc
#endif

/// The process's peak resident memory, for the summary line.
public enum PeakMemory {
    /// `VmHWM` of /proc/self/status in KiB: the high-water mark of this
    /// program's own address space. (getrusage's ru_maxrss is not used: Linux
    /// carries the parent's peak into it across fork and exec, so a small
    /// program started by a large one would report the parent's size.)
    /// nil where /proc is not available.
    public static func residentKiB() -> Int? {
        let fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 8192)
        var filled = 0
        while filled < bytes.count {
            let got = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if got < 0 && errno == EINTR { continue }
            if got <= 0 { break }
            filled += got
        }
        let text = String(decoding: bytes[..<filled], as: UTF8.self)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return nil }
        return Int(line.dropFirst("VmHWM:".count).filter(\.isNumber))
    }

    /// " peak RSS N MiB" or "" where unknown.
    public static var summary: String {
        residentKiB().map { ", peak RSS \(($0 + 512) / 1024) MiB" } ?? ""
    }
}
