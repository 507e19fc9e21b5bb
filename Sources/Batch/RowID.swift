import TextFormats

/// The identity of one input row, written back beside its predictions: the
/// 0-based row number when the input has no id column, else the id as the
/// input held it (a number stays a number in JSON output).
public enum RowID: Sendable, Equatable {
    case row(Int)
    /// A numeric literal, kept as written.
    case number(String)
    case text(String)

    /// A CSV field's id: numeric text stays a number for JSON output.
    init(field text: String) {
        self = Int64(text) != nil ? .number(text) : .text(text)
    }

    func write(to csv: inout CSVWriter) {
        switch self {
        case .row(let n): csv.field(Int64(n))
        case .number(let text), .text(let text): csv.field(text)
        }
    }

    func write(to json: inout JSONWriter) {
        switch self {
        case .row(let n): json.int(n)
        case .number(let text): json.bytes.append(contentsOf: text.utf8)
        case .text(let text): json.string(text)
        }
    }
}
