import ModelRuntime
import TextFormats

/// Formats output rows: the id column, then the output columns, as CSV or
/// JSON Lines (objects keyed by the same column names).
struct RowWriter: Sendable {
    let format: FileFormat
    let layout: OutputLayout
    let idName: String

    func header() -> [UInt8] {
        switch format {
        case .csv:
            var csv = CSVWriter()
            csv.field(idName)
            for name in layout.columnNames { csv.field(name) }
            csv.endRecord()
            return csv.bytes
        default:
            return []
        }
    }

    /// A chunk's rows with their outputs.
    func rows(_ chunk: FeatureChunk, _ values: [Value]) throws(BatchError) -> [UInt8] {
        try layout.check(values, rowCount: chunk.rowCount)
        let estimate = chunk.rowCount * (16 + 24 * layout.columnNames.count)
        switch format {
        case .csv:
            var csv = CSVWriter(capacity: estimate)
            for (row, id) in chunk.ids.enumerated() {
                id.write(to: &csv)
                layout.writeCSV(values, row: row, into: &csv)
                csv.endRecord()
            }
            return csv.bytes
        default:
            var json = JSONWriter(capacity: estimate)
            for (row, id) in chunk.ids.enumerated() {
                json.byte(UInt8(ascii: "{"))
                json.key(idName)
                id.write(to: &json)
                layout.writeJSONMembers(values, row: row, into: &json)
                json.raw("}\n")
            }
            return json.bytes
        }
    }
}
