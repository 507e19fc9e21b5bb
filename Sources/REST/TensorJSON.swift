import TextFormats
import ModelRuntime
import Wire

/// A request the adapter cannot translate: 400 with a message naming the
/// input, position and what was expected.
struct TranslationError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// JSON ⇄ tensors.
enum TensorJSON {
    /// Builds a tensor of `type` from nested JSON arrays (row-major); the
    /// shape is read from the nesting and must be rectangular.
    static func tensor(_ value: JSON, type: ElementType, name: String) throws(TranslationError) -> Tensor {
        var shape: [Int] = []
        var probe = value
        while case .array(let a) = probe {
            shape.append(a.count)
            guard let first = a.first else { break }
            probe = first
        }
        if shape.contains(0) && shape.last != 0 {
            throw TranslationError("input '\(name)': an empty array inside a non-empty one")
        }
        // The shape comes from the first element at each depth and is only
        // checked while flattening, so its product may be absurd (and
        // overflow) for a hostile body: clamp the reservation.
        var capacity = 1
        for d in shape {
            let (p, overflow) = capacity.multipliedReportingOverflow(by: d)
            capacity = overflow ? Int.max : p
        }
        var builder = ElementBuilder(type: type, name: name, capacity: capacity)
        var index: [Int] = []
        try flatten(value, shape: shape, depth: 0, index: &index, into: &builder)
        return Tensor(shape: shape, storage: builder.storage)
    }

    private static func flatten(_ value: JSON, shape: [Int], depth: Int, index: inout [Int], into builder: inout ElementBuilder) throws(TranslationError) {
        if depth == shape.count {
            try builder.append(value, at: index)
            return
        }
        guard case .array(let a) = value else {
            throw TranslationError("input '\(builder.name)': expected an array of \(shape[depth]) at \(position(index)), got \(value.kindName) (ragged nesting)")
        }
        guard a.count == shape[depth] else {
            throw TranslationError("input '\(builder.name)': array at \(position(index)) has \(a.count) elements, expected \(shape[depth]) like the first one (ragged nesting)")
        }
        for (i, element) in a.enumerated() {
            index.append(i)
            try flatten(element, shape: shape, depth: depth + 1, index: &index, into: &builder)
            index.removeLast()
        }
    }

    static func position(_ index: [Int]) -> String {
        index.isEmpty ? "the top level" : "[" + index.map(String.init).joined(separator: "][") + "]"
    }

    /// Builds a tensor of `type` and `shape` from KServe's `data`: a flat or
    /// nested array read in row-major order.
    static func tensor(flat data: JSON, shape: [Int], type: ElementType, name: String) throws(TranslationError) -> Tensor {
        let count = try elementCount(shape, name: name)
        var builder = ElementBuilder(type: type, name: name, capacity: count)
        var index: [Int] = []
        func walk(_ v: JSON) throws(TranslationError) {
            if case .array(let a) = v {
                for (i, e) in a.enumerated() {
                    index.append(i)
                    try walk(e)
                    index.removeLast()
                }
            } else {
                try builder.append(v, at: index)
            }
        }
        guard case .array = data else {
            throw TranslationError("input '\(name)': 'data' must be an array, got \(data.kindName)")
        }
        try walk(data)
        guard builder.count == count else {
            throw TranslationError("input '\(name)': 'data' has \(builder.count) values but shape \(shape) needs \(count)")
        }
        return Tensor(shape: shape, storage: builder.storage)
    }

    /// The number of elements of `shape`, refused when a dimension is
    /// negative or the product is absurd (a hostile request's shape).
    static func elementCount(_ shape: [Int], name: String) throws(TranslationError) -> Int {
        guard !shape.contains(where: { $0 < 0 }) else { throw TranslationError("input '\(name)': shape \(shape) has a negative dimension") }
        guard let count = TensorShapeLimit.elementCount(shape) else { throw TranslationError("input '\(name)': shape \(shape) is too large") }
        return count
    }

    // MARK: Writing

    /// The whole tensor as nested arrays.
    static func write(_ tensor: Tensor, to w: inout JSONWriter) {
        var offset = 0
        writeNested(tensor, dims: tensor.shape[...], offset: &offset, to: &w)
    }

    /// Row `row` (first dimension) as nested arrays (a scalar for rank 1).
    static func writeRow(_ tensor: Tensor, row: Int, to w: inout JSONWriter) {
        guard tensor.rank > 0 else { return write(tensor, to: &w) }
        let rowSize = tensor.shape.dropFirst().reduce(1, *)
        var offset = row * rowSize
        writeNested(tensor, dims: tensor.shape.dropFirst(), offset: &offset, to: &w)
    }

    /// Every element in row-major order as one flat array.
    static func writeFlat(_ tensor: Tensor, to w: inout JSONWriter) {
        w.byte(UInt8(ascii: "["))
        for i in 0..<tensor.count {
            if i > 0 { w.byte(UInt8(ascii: ",")) }
            writeElement(tensor.storage, i, to: &w)
        }
        w.byte(UInt8(ascii: "]"))
    }

    private static func writeNested(_ tensor: Tensor, dims: ArraySlice<Int>, offset: inout Int, to w: inout JSONWriter) {
        guard let n = dims.first else {
            writeElement(tensor.storage, offset, to: &w)
            offset += 1
            return
        }
        w.byte(UInt8(ascii: "["))
        if dims.count == 1 {
            // Innermost dimension: a tight loop, no recursion per element.
            for i in 0..<n {
                if i > 0 { w.byte(UInt8(ascii: ",")) }
                writeElement(tensor.storage, offset + i, to: &w)
            }
            offset += n
        } else {
            for i in 0..<n {
                if i > 0 { w.byte(UInt8(ascii: ",")) }
                writeNested(tensor, dims: dims.dropFirst(), offset: &offset, to: &w)
            }
        }
        w.byte(UInt8(ascii: "]"))
    }

    @inline(__always)
    static func writeElement(_ storage: TensorStorage, _ i: Int, to w: inout JSONWriter) {
        switch storage {
        case .float(let v): w.float(v[i])
        case .double(let v): w.double(v[i])
        case .int64(let v): w.int(v[i])
        case .int32(let v): w.int(Int64(v[i]))
        case .bool(let v): w.bool(v[i])
        case .string(let v): w.string(v[i])
        }
    }

    /// One element as an object key (ZipMap labels).
    static func keyText(_ storage: TensorStorage, _ i: Int) -> String {
        switch storage {
        case .float(let v): return v[i].description
        case .double(let v): return v[i].description
        case .int64(let v): return String(v[i])
        case .int32(let v): return String(v[i])
        case .bool(let v): return v[i] ? "true" : "false"
        case .string(let v): return v[i]
        }
    }

    /// Row `row` of a ZipMap output: `{label: probability, …}`.
    static func writeZipMapRow(probabilities: Tensor, labels: Tensor, row: Int, to w: inout JSONWriter) {
        let classes = labels.count
        w.byte(UInt8(ascii: "{"))
        for c in 0..<classes {
            if c > 0 { w.byte(UInt8(ascii: ",")) }
            w.key(keyText(labels.storage, c))
            writeElement(probabilities.storage, row * classes + c, to: &w)
        }
        w.byte(UInt8(ascii: "}"))
    }
}

/// Accumulates converted elements of one element type.
struct ElementBuilder {
    let type: ElementType
    let name: String
    private var floats: [Float] = []
    private var doubles: [Double] = []
    private var int64s: [Int64] = []
    private var int32s: [Int32] = []
    private var bools: [Bool] = []
    private var strings: [String] = []
    private(set) var count = 0

    init(type: ElementType, name: String, capacity: Int) {
        self.type = type
        self.name = name
        let c = min(capacity, 1 << 20)
        switch type {
        case .float: floats.reserveCapacity(c)
        case .double: doubles.reserveCapacity(c)
        case .int64: int64s.reserveCapacity(c)
        case .int32: int32s.reserveCapacity(c)
        case .bool: bools.reserveCapacity(c)
        case .string: strings.reserveCapacity(c)
        }
    }

    mutating func append(_ value: JSON, at index: [Int]) throws(TranslationError) {
        count += 1
        switch (type, value) {
        case (.float, .number(let n)):
            guard let v = n.finiteFloat else { throw doesNotFit(n, index) }
            floats.append(v)
        case (.double, .number(let n)):
            guard let v = n.finiteDouble else { throw doesNotFit(n, index) }
            doubles.append(v)
        case (.int64, .number(let n)):
            guard let v = n.int64 else { throw n.isInteger ? doesNotFit(n, index) : mismatch(value, index, "an integer") }
            int64s.append(v)
        case (.int32, .number(let n)):
            guard let v = n.int64, let v32 = Int32(exactly: v) else {
                throw n.isInteger ? doesNotFit(n, index) : mismatch(value, index, "a 32-bit integer")
            }
            int32s.append(v32)
        case (.bool, .bool(let b)): bools.append(b)
        case (.string, .string(let s)): strings.append(s)
        // Non-finite floats travel as strings (the writer's convention).
        case (.float, .string(let s)) where Self.nonFinite(s) != nil: floats.append(Float(Self.nonFinite(s)!))
        case (.double, .string(let s)) where Self.nonFinite(s) != nil: doubles.append(Self.nonFinite(s)!)
        default:
            throw mismatch(value, index, Self.expected(type))
        }
    }

    private static func nonFinite(_ s: String) -> Double? {
        switch s {
        case "NaN": return .nan
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        default: return nil
        }
    }

    private static func expected(_ type: ElementType) -> String {
        switch type {
        case .float, .double: return "a number"
        case .int64, .int32: return "an integer"
        case .bool: return "true or false"
        case .string: return "a string"
        }
    }

    /// A number of the right kind whose value the element type cannot hold:
    /// refused, as TF Serving refuses it, rather than predicted on as
    /// infinity or a wrapped integer.
    private func doesNotFit(_ number: JSONNumber, _ index: [Int]) -> TranslationError {
        let text = number.text.count > 40 ? "\(number.text.prefix(40))… (\(number.text.count) characters)" : number.text
        return TranslationError("input '\(name)' is \(type) but the value at \(TensorJSON.position(index)) is \(text), "
                                + "which does not fit in \(type)")
    }

    private func mismatch(_ value: JSON, _ index: [Int], _ expected: String) -> TranslationError {
        var got = value.kindName
        if case .number(let n) = value { got = "the number \(n.text.prefix(40))" }
        return TranslationError("input '\(name)' is \(type) but the value at \(TensorJSON.position(index)) is \(got); expected \(expected)")
    }

    var storage: TensorStorage {
        switch type {
        case .float: return .float(floats)
        case .double: return .double(doubles)
        case .int64: return .int64(int64s)
        case .int32: return .int32(int32s)
        case .bool: return .bool(bools)
        case .string: return .string(strings)
        }
    }
}

/// How REST and the CLI print a ``LogicalOutput``.
extension LogicalOutput {
    func writeRow(_ row: Int, to w: inout JSONWriter) {
        if let labels, tensor.rank == 2, labels.count == tensor.shape[1] {
            TensorJSON.writeZipMapRow(probabilities: tensor, labels: labels, row: row, to: &w)
        } else {
            TensorJSON.writeRow(tensor, row: row, to: &w)
        }
    }

    /// All rows: nested arrays, or one `{label: p}` object per row for ZipMap.
    public func writeAll(to w: inout JSONWriter) {
        if labels != nil, tensor.rank == 2 {
            w.byte(UInt8(ascii: "["))
            for r in 0..<rows {
                if r > 0 { w.byte(UInt8(ascii: ",")) }
                writeRow(r, to: &w)
            }
            w.byte(UInt8(ascii: "]"))
        } else {
            TensorJSON.write(tensor, to: &w)
        }
    }
}
