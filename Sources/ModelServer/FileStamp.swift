/// Identifies one state of a file on disk, to tell whether it changed since
/// it was last loaded: a copy in progress changes size or mtime, an atomic
/// `rename` over the file changes the inode.
struct FileStamp: Sendable, Equatable, CustomStringConvertible {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modifiedSeconds: Int64
    var modifiedNanoseconds: Int64

    var description: String {
        "\(size) bytes, mtime \(modifiedSeconds).\(modifiedNanoseconds), inode \(inode)"
    }
}
