import ModelRuntime
import TextFormats

/// The columns a model's outputs become, found from one run: an output with
/// one value per row (`[N]` or `[N,1]`) is one column named after it; an
/// `[N,K]` output is `<output>:0` … `<output>:K-1`; a ZipMap is
/// `<output>:<key>` with the model's own keys.
struct OutputLayout: Sendable {
    enum Shape: Sendable, Equatable {
        case single
        case columns(Int)
        case zipMap(keys: [String])
    }

    let outputNames: [String]
    let shapes: [Shape]
    /// Every output column, in model output order.
    let columnNames: [String]

    /// Reads the shapes off a run's outputs (`values` in the order of `outputNames`).
    init(outputNames: [String], values: [Value], rowCount: Int) throws(BatchError) {
        var shapes: [Shape] = []
        var columns: [String] = []
        for (name, value) in zip(outputNames, values) {
            let shape = try Self.shape(of: value, name: name, rowCount: rowCount)
            shapes.append(shape)
            switch shape {
            case .single: columns.append(name)
            case .columns(let k): columns += (0..<k).map { "\(name):\($0)" }
            case .zipMap(let keys): columns += keys.map { "\(name):\($0)" }
            }
        }
        self.outputNames = outputNames
        self.shapes = shapes
        self.columnNames = columns
    }

    private static func shape(of value: Value, name: String, rowCount: Int) throws(BatchError) -> Shape {
        switch value {
        case .zipMap(let labels, _):
            switch labels.storage {
            case .int64(let keys): return .zipMap(keys: keys.map(String.init))
            case .string(let keys): return .zipMap(keys: keys)
            default: throw BatchError("output '\(name)' is a ZipMap with \(labels.elementType) keys; batch writes int64 or string keys")
            }
        case .tensor(let tensor):
            let shape = tensor.shape
            if shape == [rowCount] || shape == [rowCount, 1] { return .single }
            if shape.count == 2 && shape[0] == rowCount { return .columns(shape[1]) }
            throw BatchError("output '\(name)' has shape [\(shape.map(String.init).joined(separator: ","))] for \(rowCount) rows; batch writes [N], [N,1], [N,K] or ZipMap outputs")
        }
    }

    /// Checks that a later chunk's outputs have the layout of the first.
    func check(_ values: [Value], rowCount: Int) throws(BatchError) {
        for (index, value) in values.enumerated() {
            let shape = try Self.shape(of: value, name: outputNames[index], rowCount: rowCount)
            if shape != shapes[index] {
                throw BatchError("output '\(outputNames[index])' changed shape between chunks")
            }
        }
    }

    /// Row `row`'s output cells, one CSV field per column.
    func writeCSV(_ values: [Value], row: Int, into csv: inout CSVWriter) {
        for (index, value) in values.enumerated() {
            let (tensor, width) = cells(value, shapes[index])
            for column in 0..<width { Self.cell(tensor, row * width + column, into: &csv) }
        }
    }

    /// Row `row`'s output cells as `,"column":value` members of a flat JSON
    /// object (JSON Lines output, keys as the CSV columns).
    func writeJSONMembers(_ values: [Value], row: Int, into json: inout JSONWriter) {
        var columnName = columnNames.makeIterator()
        for (index, value) in values.enumerated() {
            let (tensor, width) = cells(value, shapes[index])
            for column in 0..<width {
                json.byte(UInt8(ascii: ","))
                json.key(columnName.next()!)
                Self.cell(tensor, row * width + column, into: &json)
            }
        }
    }

    /// Row `row`'s outputs as one JSON object, output name → a value, a list
    /// (`[N,K]`) or `{key: value}` (ZipMap): the results table's `outputs`.
    func writeJSONObject(_ values: [Value], row: Int, into json: inout JSONWriter) {
        json.byte(UInt8(ascii: "{"))
        for (index, value) in values.enumerated() {
            if index > 0 { json.byte(UInt8(ascii: ",")) }
            json.key(outputNames[index])
            let (tensor, width) = cells(value, shapes[index])
            switch shapes[index] {
            case .single:
                Self.cell(tensor, row, into: &json)
            case .columns:
                json.byte(UInt8(ascii: "["))
                for column in 0..<width {
                    if column > 0 { json.byte(UInt8(ascii: ",")) }
                    Self.cell(tensor, row * width + column, into: &json)
                }
                json.byte(UInt8(ascii: "]"))
            case .zipMap(let keys):
                json.byte(UInt8(ascii: "{"))
                for (column, key) in keys.enumerated() {
                    if column > 0 { json.byte(UInt8(ascii: ",")) }
                    json.key(key)
                    Self.cell(tensor, row * width + column, into: &json)
                }
                json.byte(UInt8(ascii: "}"))
            }
        }
        json.byte(UInt8(ascii: "}"))
    }

    /// The tensor holding an output's cells and how many belong to each row.
    private func cells(_ value: Value, _ shape: Shape) -> (Tensor, Int) {
        let width: Int
        switch shape {
        case .single: width = 1
        case .columns(let k): width = k
        case .zipMap(let keys): width = keys.count
        }
        switch value {
        case .tensor(let t): return (t, width)
        case .zipMap(_, let probabilities): return (probabilities, width)
        }
    }

    private static func cell(_ tensor: Tensor, _ index: Int, into csv: inout CSVWriter) {
        switch tensor.storage {
        case .float(let v): csv.field(v[index])
        case .double(let v): csv.field(v[index])
        case .int64(let v): csv.field(v[index])
        case .int32(let v): csv.field(Int64(v[index]))
        case .bool(let v): csv.field(v[index] ? Int64(1) : Int64(0))
        case .string(let v): csv.field(v[index])
        }
    }

    private static func cell(_ tensor: Tensor, _ index: Int, into json: inout JSONWriter) {
        switch tensor.storage {
        case .float(let v): json.float(v[index])
        case .double(let v): json.double(v[index])
        case .int64(let v): json.int(v[index])
        case .int32(let v): json.int(Int64(v[index]))
        case .bool(let v): json.bool(v[index])
        case .string(let v): json.string(v[index])
        }
    }
}
