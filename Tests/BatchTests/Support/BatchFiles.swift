import Foundation
import TextFormats

/// Input files written for the tests, and output files read back with
/// `TextFormats` (the same readers the product uses, tested on their own).
enum BatchFiles {
    static func write(_ text: String, to url: URL) throws {
        try Data(text.utf8).write(to: url)
    }

    /// `id,a,b,c,d` with ids `r<n>` counting down, so order is visible.
    static func csv(_ rows: IrisRows, to url: URL) throws {
        var text = "id,a,b,c,d\n"
        for (i, row) in rows.texts.enumerated() { text += "r\(rows.count - i)," + row.joined(separator: ",") + "\n" }
        try write(text, to: url)
    }

    /// JSON Lines objects `{"id": n, "a": …}` with numeric ids counting down.
    static func jsonLines(_ rows: IrisRows, to url: URL) throws {
        var text = ""
        for (i, row) in rows.texts.enumerated() {
            text += "{\"id\": \(rows.count - i), \"a\": \(row[0]), \"b\": \(row[1]), \"c\": \(row[2]), \"d\": \(row[3])}\n"
        }
        try write(text, to: url)
    }

    /// A version-1 .npy file of float32 [rows, 4].
    static func npy(_ rows: IrisRows, to url: URL) throws {
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows.count), 4), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
        bytes += Array(header.utf8)
        for value in rows.floats { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
        try Data(bytes).write(to: url)
    }

    /// Every record of a CSV file.
    static func csvRecords(_ url: URL) throws -> [[String]] {
        let reader = try CSVFileReader(path: url.path)
        var fields = CSVFields()
        var records: [[String]] = []
        while try reader.next(into: &fields) { records.append((0..<fields.count).map { fields.string($0) }) }
        return records
    }

    /// Every line of a JSON Lines file, parsed.
    static func jsonLinesValues(_ url: URL) throws -> [JSON] {
        let reader = try LineFileReader(path: url.path)
        var values: [JSON] = []
        while let value = try reader.next({ try JSONParser.parse($0) }) { values.append(value) }
        return values
    }
}
