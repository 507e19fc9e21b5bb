import Foundation
import TextFormats

/// The metrics CSV as a test reads it: rows as text, exactly as written.
struct MetricsRow {
    let id: String
    let yTrue: String
    let yPred: String
    let error: String
}

enum MetricsRows {
    /// Every data row (the header checked), or [] while the file is missing.
    static func read(_ path: String) throws -> [MetricsRow] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        let reader = try CSVFileReader(path: path)
        var fields = CSVFields()
        var rows: [MetricsRow] = []
        var first = true
        while try reader.next(into: &fields) {
            if first {
                first = false
                precondition(fields.count == 4 && fields.string(0) == "id", "the CSV header is not id,y_true,y_pred,error")
                continue
            }
            precondition(fields.count == 4, "a row with \(fields.count) fields")
            rows.append(MetricsRow(id: fields.string(0), yTrue: fields.string(1), yPred: fields.string(2), error: fields.string(3)))
        }
        return rows
    }

    /// Rows so far (a partly written last line may be missing; fine for progress).
    static func count(_ path: String) -> Int {
        guard let data = FileManager.default.contents(atPath: path) else { return 0 }
        return max(0, data.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) } - 1)
    }

    /// `%.9g`, as the metrics service writes floats.
    static func nineDigits(_ value: Double) -> String {
        var writer = CSVWriter(capacity: 32)
        writer.field(value, significantDigits: 9)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}
