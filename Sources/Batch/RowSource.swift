#if canImport(Glibc)
import Glibc
#endif

/// A row that cannot be scored: where it is, why, and its text (for `--rejects`).
struct BadRow: Sendable {
    let line: Int
    let reason: String
    let record: String
}

/// An input file read in chunks of feature rows.
///
/// Lifecycle: the initializer reads what names the columns (a CSV header,
/// the first JSON line, the .npy header); then `fill` is called until it
/// returns false. Not thread-safe: one reader thread owns it.
protocol RowSource: AnyObject {
    /// The input's path, for messages.
    var path: String { get }
    /// The name of the id column written before the outputs (`row` without an id column).
    var idName: String { get }
    /// The features each row gives, in the order the model gets them.
    var featureNames: [String] { get }
    /// How much of the input has been read, 0…1, when the size is known.
    var fractionRead: Double? { get }
    /// Replaces `chunk`'s rows with up to `maxRows` good rows; a bad row goes
    /// to `reject`, which either throws (the run stops) or records it.
    /// Returns false (with an empty chunk) when the input has no more rows.
    func fill(_ chunk: inout FeatureChunk, maxRows: Int, reject: (BadRow) throws -> Void) throws -> Bool
}

/// Which columns to read: the id column (nil: rows are numbered) and the
/// feature columns in order (nil: every column but the id, in file order).
struct ColumnSelection: Sendable {
    var idColumn: String?
    var columns: [String]?

    /// The features `names` holds, checked: each selected name must exist.
    func featureIndices(in names: [String], source: String) throws(BatchError) -> [Int] {
        if let idColumn, !names.contains(idColumn) {
            throw BatchError("\(source) has no id column '\(idColumn)' (columns: \(names.joined(separator: ", ")))")
        }
        guard let columns else {
            return names.indices.filter { names[$0] != idColumn }
        }
        var indices: [Int] = []
        for column in columns {
            guard let index = names.firstIndex(of: column) else {
                throw BatchError("\(source) has no column '\(column)' (columns: \(names.joined(separator: ", ")))")
            }
            indices.append(index)
        }
        return indices
    }
}

/// The size of a file in bytes, or nil (a pipe, or it cannot be read).
func fileSize(_ path: String) -> Int? {
    var info = stat()
    guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
    return Int(info.st_size)
}
