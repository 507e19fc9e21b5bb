/// The class labels of a classifier: int64 or string, as its label output.
enum MLClassLabels: Sendable {
    case ints([Int64])
    case strings([String])

    var isStrings: Bool {
        if case .strings = self { return true }
        return false
    }

    var count: Int {
        switch self {
        case .ints(let v): return v.count
        case .strings(let v): return v.count
        }
    }

    /// Reads `stringsName`, else `intsName` (a non-empty string list wins, as in ORT).
    static func read(_ a: MLAttributes, strings stringsName: String, ints intsName: String) throws -> MLClassLabels {
        let strings = try a.strings(stringsName)
        if !strings.isEmpty { return .strings(strings) }
        return .ints(try a.ints(intsName))
    }

    /// The label tensor for one class index per row.
    func tensor(_ classIndices: [Int]) -> Tensor {
        switch self {
        case .ints(let v): return Tensor(shape: [classIndices.count], int64s: classIndices.map { v[$0] })
        case .strings(let v): return Tensor(shape: [classIndices.count], strings: classIndices.map { v[$0] })
        }
    }

    /// The label tensor for one class index per row, read from a buffer.
    func tensor(_ classIndices: UnsafeBufferPointer<Int>) -> Tensor {
        switch self {
        case .ints(let v): return Tensor(shape: [classIndices.count], int64s: classIndices.map { v[$0] })
        case .strings(let v): return Tensor(shape: [classIndices.count], strings: classIndices.map { v[$0] })
        }
    }
}

/// A label per row chosen between a positive and a negative label, as ORT's
/// binary classifiers do; the labels are ints or strings.
enum MLBinaryLabels: Sendable {
    case ints(negative: Int64, positive: Int64)
    case strings(negative: String, positive: String)

    /// ORT's fallback when a binary classifier has not exactly two labels:
    /// 0/1, or "0"/"1" for string labels.
    init(_ labels: MLClassLabels) {
        switch labels {
        case .ints(let v):
            self = v.count == 2 ? .ints(negative: v[0], positive: v[1]) : .ints(negative: 0, positive: 1)
        case .strings(let v):
            self = v.count == 2 ? .strings(negative: v[0], positive: v[1]) : .strings(negative: "0", positive: "1")
        }
    }

    func tensor(_ positive: [Bool]) -> Tensor {
        switch self {
        case .ints(let n, let p): return Tensor(shape: [positive.count], int64s: positive.map { $0 ? p : n })
        case .strings(let n, let p): return Tensor(shape: [positive.count], strings: positive.map { $0 ? p : n })
        }
    }
}
