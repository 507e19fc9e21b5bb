/// `OneHotEncoder` (ai.onnx.ml 1): each input value becomes a row of
/// `categories` floats with a 1 at its category. Output shape is the input's
/// (rank ≤ 2) plus the category axis. Float and double input is truncated to
/// int64 and looked up in `cats_int64s`, as in ORT; an unknown category gives
/// all zeros, or an error when `zeros` is 0.
struct MLOneHotEncoder: Kernel {
    let label: String
    let intCategories: [Int64: Int]
    let stringCategories: [String: Int]
    let categoryCount: Int
    let zeros: Bool

    static let registrations = [
        KernelRegistration(domain: "ai.onnx.ml", opType: "OneHotEncoder", sinceVersion: 1) { try MLOneHotEncoder($0) },
    ]

    init(_ node: NodeDescription) throws {
        let a = MLAttributes(node)
        label = a.nodeLabel
        let ints = try a.ints("cats_int64s")
        let strings = try a.strings("cats_strings")
        guard ints.isEmpty || strings.isEmpty else {
            throw a.invalid("cats_int64s", "cannot be given together with 'cats_strings'")
        }
        guard !ints.isEmpty || !strings.isEmpty else {
            throw a.invalid("cats_int64s", "or 'cats_strings' must list the categories")
        }
        // Later duplicates overwrite earlier ones, as ORT's map assignment does.
        var intMap: [Int64: Int] = [:]
        for (i, c) in ints.enumerated() { intMap[c] = i }
        var stringMap: [String: Int] = [:]
        for (i, c) in strings.enumerated() { stringMap[c] = i }
        intCategories = intMap
        stringCategories = stringMap
        categoryCount = ints.isEmpty ? strings.count : ints.count
        zeros = try a.int("zeros", default: 1) != 0
    }

    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        let x = try MLInput.tensor(inputs, 0, label)
        guard x.rank <= 2 else {
            throw ModelError(.invalidInput, "\(label): input must have at most 2 dimensions, found shape \(x.shape)")
        }
        let indices: [Int?]
        switch x.storage {
        case .string(let v): indices = v.map { stringCategories[$0] }
        case .int64(let v): indices = v.map { intCategories[$0] }
        case .float(let v): indices = v.map { Self.truncated(Double($0)).flatMap { intCategories[$0] } }
        case .double(let v): indices = v.map { Self.truncated($0).flatMap { intCategories[$0] } }
        default:
            throw ModelError(.invalidInput, "\(label): input must be string, int64, float or double, found \(x.elementType)")
        }
        var out = [Float](repeating: 0, count: indices.count * categoryCount)
        for (i, index) in indices.enumerated() {
            if let index {
                out[i * categoryCount + index] = 1
            } else if !zeros {
                throw ModelError(.execution, "\(label): input value \(i) is not a known category and 'zeros' is 0")
            }
        }
        return [.tensor(Tensor(shape: x.shape + [categoryCount], floats: out))]
    }

    /// C++'s static_cast<int64_t> (toward zero) where it is defined; nil for
    /// NaN and values outside int64, which can match no category.
    private static func truncated(_ v: Double) -> Int64? {
        guard v.isFinite, v > -9.3e18, v < 9.2e18 else { return nil }
        return Int64(v.rounded(.towardZero))
    }
}
