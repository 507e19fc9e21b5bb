import TextFormats

/// `--rejects FILE`: the rows a run skipped, as CSV `line,reason,record`
/// (the input line number, why, and the row's text).
final class RejectsFile {
    private let file: AtomicOutputFile
    private var csv = CSVWriter()
    private(set) var count = 0

    init(path: String, input: String) throws(BatchError) {
        file = try AtomicOutputFile(path: path)
        csv.field("line")
        csv.field("reason")
        csv.field("record")
        csv.endRecord()
    }

    func add(_ row: BadRow) throws(BatchError) {
        count += 1
        csv.field(Int64(row.line))
        csv.field(row.reason)
        csv.field(row.record)
        csv.endRecord()
        if csv.bytes.count >= 1 << 16 {
            try file.write(csv.bytes)
            csv.reset()
        }
    }

    func commit() throws(BatchError) {
        try file.write(csv.bytes)
        csv.reset()
        try file.commit()
    }
}
