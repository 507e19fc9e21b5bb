import TextFormats

/// CSV input with a header row (RFC 4180, read by `TextFormats`).
final class CSVRowSource: RowSource {
    let path: String
    let idName: String
    let featureNames: [String]
    private let reader: CSVFileReader
    private let header: [String]
    private let idIndex: Int?
    private let featureIndices: [Int]
    private let size: Int?
    private var fields = CSVFields()
    private var rowNumber = 0

    init(path: String, selection: ColumnSelection) throws(BatchError) {
        self.path = path
        var first = CSVFields()
        do {
            reader = try CSVFileReader(path: path)
            guard try reader.next(into: &first) else { throw BatchError("\(path) is empty: a CSV input starts with a header row") }
        } catch let error as CSVError {
            throw BatchError("\(path): \(error)")
        } catch let error as BatchError {
            throw error
        } catch {
            throw BatchError("\(path): \(error)")
        }
        let header = (0..<first.count).map { first.string($0) }
        let featureIndices = try selection.featureIndices(in: header, source: path)
        self.header = header
        self.featureIndices = featureIndices
        idIndex = selection.idColumn.flatMap { header.firstIndex(of: $0) }
        idName = selection.idColumn ?? "row"
        featureNames = featureIndices.map { header[$0] }
        size = fileSize(path)
    }

    var fractionRead: Double? {
        guard let size, size > 0 else { return nil }
        return Double(reader.bytesConsumed) / Double(size)
    }

    func fill(_ chunk: inout FeatureChunk, maxRows: Int, reject: (BadRow) throws -> Void) throws -> Bool {
        chunk.removeAll()
        while chunk.rowCount < maxRows {
            let line = reader.line
            let more: Bool
            do { more = try reader.next(into: &fields) } catch { throw BatchError("\(path): \(error)") }
            guard more else { break }
            if CSVParser.isBlank(fields) { continue }
            let row = rowNumber
            rowNumber += 1
            if fields.count != header.count {
                try reject(BadRow(line: line, reason: "\(fields.count) fields, the header has \(header.count)", record: recordText()))
                continue
            }
            var good = true
            for index in featureIndices {
                guard let value = fields.double(index) else {
                    try reject(BadRow(line: line, reason: "column '\(header[index])' is not a number: '\(fields.string(index))'",
                                      record: recordText()))
                    good = false
                    break
                }
                chunk.features.append(value)
            }
            if !good {
                chunk.features.removeLast(chunk.features.count - chunk.rowCount * chunk.featureCount)
                continue
            }
            chunk.ids.append(idIndex.map { RowID(field: fields.string($0)) } ?? .row(row))
        }
        return chunk.rowCount > 0
    }

    /// The record as CSV again, for the rejects file.
    private func recordText() -> String {
        var csv = CSVWriter(capacity: 128)
        for index in 0..<fields.count { csv.field(fields.string(index)) }
        return String(decoding: csv.bytes, as: UTF8.self)
    }
}
