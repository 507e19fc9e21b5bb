import XCTest
@testable import ModelRuntime

/// Compares run outputs with a fixture's onnxruntime outputs for `rows`:
/// labels (ints, strings) exactly, floats within 1e-5 relative + 1e-6 absolute.
/// Returns one line per mismatch (empty when everything matches).
func mismatches(_ fixture: Fixture, _ actual: [String: Value], rows: Range<Int>, run: String) -> [String] {
    var problems: [String] = []
    func report(_ text: String) { problems.append("\(fixture.name) [\(run)]: \(text)") }
    for (name, expected) in fixture.outputs.sorted(by: { $0.key < $1.key }) {
        guard let value = actual[name] else { report("output '\(name)' missing"); continue }
        switch (expected, value) {
        case (.tensor(let e), .tensor(let a)):
            let total = e.shape.first ?? 1
            let perRow = total == 0 ? 0 : e.count / total
            var shape = e.shape
            if !shape.isEmpty { shape[0] = rows.count }
            if a.shape != shape { report("output '\(name)': shape \(a.shape), expected \(shape)"); continue }
            let span = (rows.lowerBound * perRow)..<(rows.upperBound * perRow)
            problems += compareValues(e.storage, span, a.storage, name: name).map { "\(fixture.name) [\(run)]: \($0)" }
        case (.zipMap(let labels, let probabilities), .zipMap(let actualLabels, let actualProbabilities)):
            problems += compareValues(labels.storage, 0..<labels.count, actualLabels.storage, name: "\(name) labels")
                .map { "\(fixture.name) [\(run)]: \($0)" }
            let expectedRows = Array(probabilities[rows])
            let flat = expectedRows.flatMap { $0 }
            guard actualProbabilities.shape == [rows.count, labels.count] else {
                report("output '\(name)': probabilities shape \(actualProbabilities.shape), expected [\(rows.count), \(labels.count)]")
                continue
            }
            problems += compareValues(.double(flat), 0..<flat.count, actualProbabilities.storage, name: "\(name) probabilities")
                .map { "\(fixture.name) [\(run)]: \($0)" }
        default:
            report("output '\(name)': expected \(expected), got \(value)")
        }
    }
    return problems
}

/// Element-wise comparison of `expected[span]` with all of `actual`.
func compareValues(_ expected: TensorStorage, _ span: Range<Int>, _ actual: TensorStorage, name: String) -> [String] {
    func floats(_ s: TensorStorage) -> [Double]? {
        switch s {
        case .float(let v): return v.map(Double.init)
        case .double(let v): return v
        default: return nil
        }
    }
    if let e = floats(expected), let a = floats(actual) {
        let slice = Array(e[span])
        guard slice.count == a.count else { return ["\(name): \(a.count) values, expected \(slice.count)"] }
        var problems: [String] = []
        for (i, (x, y)) in zip(slice, a).enumerated() {
            let same = (x.isNaN && y.isNaN) || x == y || abs(x - y) <= 1e-6 + 1e-5 * abs(x)
            if !same {
                problems.append("\(name)[\(i)] = \(y), onnxruntime \(x)")
                if problems.count >= 5 { break }
            }
        }
        return problems
    }
    switch (expected, actual) {
    case (.int64(let e), .int64(let a)):
        return Array(e[span]) == a ? [] : ["\(name): \(a.prefix(10)), onnxruntime \(e[span].prefix(10))"]
    case (.string(let e), .string(let a)):
        return Array(e[span]) == a ? [] : ["\(name): \(a.prefix(10)), onnxruntime \(e[span].prefix(10))"]
    case (.int32(let e), .int32(let a)):
        return Array(e[span]) == a ? [] : ["\(name): \(a.prefix(10)), onnxruntime \(e[span].prefix(10))"]
    case (.bool(let e), .bool(let a)):
        return Array(e[span]) == a ? [] : ["\(name): \(a.prefix(10)), onnxruntime \(e[span].prefix(10))"]
    default:
        return ["\(name): element type \(actual.elementType), onnxruntime \(expected.elementType)"]
    }
}
