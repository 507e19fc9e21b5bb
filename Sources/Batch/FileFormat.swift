/// The file formats batch scoring reads and writes.
public enum FileFormat: String, Sendable, CaseIterable {
    case csv
    /// JSON Lines: one JSON value per line.
    case jsonl
    /// NumPy `.npy` (input only).
    case npy

    /// The format a path's extension names, or nil.
    public init?(path: String) {
        let lower = path.lowercased()
        if lower.hasSuffix(".csv") { self = .csv } else if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") {
            self = .jsonl
        } else if lower.hasSuffix(".npy") { self = .npy } else { return nil }
    }

    /// The explicit format, else the one the extension names, else an error
    /// saying which flag to use.
    static func resolve(_ explicit: FileFormat?, path: String, flag: String) throws(BatchError) -> FileFormat {
        if let explicit { return explicit }
        guard let format = FileFormat(path: path) else {
            throw BatchError("cannot tell the format of \(path) from its extension (.csv, .jsonl, .ndjson, .npy); give \(flag)")
        }
        return format
    }
}
