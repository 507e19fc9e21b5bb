import TextFormats

/// JSON Lines input: each line an array of numbers (features in order,
/// rows numbered) or an object holding the columns by name. Blank lines are
/// skipped. Numbers may also be the strings "NaN", "Infinity" and
/// "-Infinity", as swerve's JSON writes them.
final class JSONLinesRowSource: RowSource {
    let path: String
    let idName: String
    let featureNames: [String]
    private let reader: LineFileReader
    private let idColumn: String?
    private let arrays: Bool
    private let size: Int?
    /// The first row, read to learn the columns and not yet handed out.
    private var pending: Line?
    private var rowNumber = 0

    init(path: String, selection: ColumnSelection) throws(BatchError) {
        self.path = path
        do { reader = try LineFileReader(path: path) } catch { throw BatchError("\(error)") }
        size = fileSize(path)
        idColumn = selection.idColumn
        idName = selection.idColumn ?? "row"
        var first: Line?
        do {
            while first == nil, let line = try Self.readLine(reader) {
                if !line.record.isEmpty { first = line }
            }
        } catch let error as BatchError { throw error } catch { throw BatchError("\(error)") }
        pending = first
        guard let first else {
            arrays = true
            featureNames = []
            if selection.idColumn != nil || selection.columns != nil {
                throw BatchError("\(path) has no rows to take the columns from")
            }
            return
        }
        let value: JSON
        switch first.value {
        case .success(let parsed): value = parsed
        case .failure(let error): throw BatchError("\(path):\(first.line): \(error)")
        }
        switch value {
        case .array(let elements):
            if selection.idColumn != nil || selection.columns != nil {
                throw BatchError("\(path):\(first.line): --id-column and --columns need JSON objects; this line is an array")
            }
            arrays = true
            featureNames = elements.indices.map(String.init)
        case .object(let members):
            arrays = false
            featureNames = try selection.featureIndices(in: members.map(\.0), source: "\(path):\(first.line)").map { members[$0].0 }
        default:
            throw BatchError("\(path):\(first.line): a line must be an array of numbers or an object, not \(value.kindName)")
        }
    }

    var fractionRead: Double? {
        guard let size, size > 0 else { return nil }
        return Double(reader.bytesConsumed) / Double(size)
    }

    /// One line of the file: its number, its text (empty for a blank line)
    /// and its value or why it is not JSON.
    private struct Line {
        let line: Int
        let record: String
        let value: Result<JSON, Error>
    }

    private static func readLine(_ reader: LineFileReader) throws -> Line? {
        let line = reader.line
        return try reader.next { bytes in
            let record = String(decoding: bytes, as: UTF8.self)
            if record.allSatisfy({ $0 == " " || $0 == "\t" }) { return Line(line: line, record: "", value: .success(.null)) }
            do { return Line(line: line, record: record, value: .success(try JSONParser.parse(bytes))) } catch {
                return Line(line: line, record: record, value: .failure(error))
            }
        }
    }

    func fill(_ chunk: inout FeatureChunk, maxRows: Int, reject: (BadRow) throws -> Void) throws -> Bool {
        chunk.removeAll()
        while chunk.rowCount < maxRows {
            let next: Line
            if let first = pending {
                next = first
                pending = nil
            } else {
                guard let line = try Self.readLine(reader) else { break }
                next = line
            }
            if next.record.isEmpty { continue }
            let row = rowNumber
            rowNumber += 1
            let problem: String?
            switch next.value {
            case .failure(let error): problem = "\(error)"
            case .success(let value): problem = append(value, row: row, to: &chunk)
            }
            if let problem {
                chunk.features.removeLast(chunk.features.count - chunk.rowCount * chunk.featureCount)
                try reject(BadRow(line: next.line, reason: problem, record: next.record))
            }
        }
        return chunk.rowCount > 0
    }

    /// Appends one row's features and id; returns why it cannot, or nil.
    private func append(_ value: JSON, row: Int, to chunk: inout FeatureChunk) -> String? {
        switch value {
        case .array(let elements) where arrays:
            guard elements.count == featureNames.count else {
                return "\(elements.count) values, the first row has \(featureNames.count)"
            }
            for (index, element) in elements.enumerated() {
                guard let number = Self.number(element) else { return "value \(index) is not a number: \(element.kindName)" }
                chunk.features.append(number)
            }
            chunk.ids.append(.row(row))
        case .object where !arrays:
            for name in featureNames {
                guard let member = value[name] else { return "no member '\(name)'" }
                guard let number = Self.number(member) else { return "member '\(name)' is not a number: \(member.kindName)" }
                chunk.features.append(number)
            }
            if let idColumn {
                switch value[idColumn] {
                case .number(let n)?: chunk.ids.append(.number(n.text))
                case .string(let s)?: chunk.ids.append(.text(s))
                case nil: return "no id member '\(idColumn)'"
                case let other?: return "id member '\(idColumn)' is \(other.kindName), not a number or a string"
                }
            } else {
                chunk.ids.append(.row(row))
            }
        default:
            return arrays ? "expected an array of numbers like the first row, got \(value.kindName)"
                          : "expected an object like the first row, got \(value.kindName)"
        }
        return nil
    }

    private static func number(_ value: JSON) -> Double? {
        switch value {
        case .number(let n): return n.double
        case .string("NaN"): return .nan
        case .string("Infinity"): return .infinity
        case .string("-Infinity"): return -.infinity
        default: return nil
        }
    }
}
