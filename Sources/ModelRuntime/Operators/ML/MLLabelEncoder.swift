/// `LabelEncoder` (ai.onnx.ml 1, 2 and 4): maps each input value through a
/// key → value table, writing a default for keys not in the table.
///
/// - opset 1: `classes_strings`; string input gives the class index (int64,
///   the last duplicate wins), int64 input gives the class string.
/// - opset 2: one of `keys_strings`/`keys_int64s`/`keys_floats` and one of
///   `values_strings`/`values_int64s`/`values_floats` (the first duplicate key
///   wins); defaults `default_string` "_Unused", `default_int64` -1,
///   `default_float` -0.0.
/// - opset 4: adds `keys_tensor`/`values_tensor` (also double) and
///   `default_tensor`; a NaN key matches NaN input.
struct MLLabelEncoder: Kernel {
    /// The key side of the table: value index per key.
    enum Keys {
        case strings([String: Int])
        case int64s([Int64: Int])
        case floats([Float: Int], nan: Int?)
        case doubles([Double: Int], nan: Int?)

        var elementType: ElementType {
            switch self {
            case .strings: return .string
            case .int64s: return .int64
            case .floats: return .float
            case .doubles: return .double
            }
        }
    }

    /// The value side: values by index, and the default for unknown keys.
    enum Values {
        case strings([String], String)
        case int64s([Int64], Int64)
        case floats([Float], Float)
        case doubles([Double], Double)
    }

    let label: String
    let keys: Keys
    let values: Values
    /// opset 1 only: the reverse table, used for int64 input.
    let reverse: ([Int64: Int], [String], String)?

    static let registrations = [
        KernelRegistration(domain: "ai.onnx.ml", opType: "LabelEncoder", sinceVersion: 1) { try MLLabelEncoder(v1: $0) },
        KernelRegistration(domain: "ai.onnx.ml", opType: "LabelEncoder", sinceVersion: 2) { try MLLabelEncoder($0, tensors: false) },
        KernelRegistration(domain: "ai.onnx.ml", opType: "LabelEncoder", sinceVersion: 4) { try MLLabelEncoder($0, tensors: true) },
    ]

    init(v1 node: NodeDescription) throws {
        let a = MLAttributes(node)
        label = a.nodeLabel
        let classes = try a.strings("classes_strings")
        let defaultString = try a.string("default_string", default: "_Unused")
        let defaultInt = try a.int("default_int64", default: -1)
        var forward = [String: Int](minimumCapacity: classes.count)
        var backward = [Int64: Int](minimumCapacity: classes.count)
        for (i, c) in classes.enumerated() {
            forward[c] = i
            backward[Int64(i)] = i
        }
        keys = .strings(forward)
        values = .int64s(classes.indices.map { Int64($0) }, defaultInt)
        reverse = (backward, classes, defaultString)
    }

    init(_ node: NodeDescription, tensors: Bool) throws {
        let a = MLAttributes(node)
        label = a.nodeLabel
        reverse = nil

        // Keys: exactly one source.
        var keySources: [(String, Keys, Int)] = []
        if a.has("keys_strings") {
            let k = try a.strings("keys_strings")
            keySources.append(("keys_strings", .strings(Self.table(k)), k.count))
        }
        if a.has("keys_int64s") {
            let k = try a.ints("keys_int64s")
            keySources.append(("keys_int64s", .int64s(Self.table(k)), k.count))
        }
        if a.has("keys_floats") {
            let k = try a.floats("keys_floats")
            let (t, nan) = Self.realTable(k, nanMatches: tensors)
            keySources.append(("keys_floats", .floats(t, nan: nan), k.count))
        }
        if tensors, let t = try a.tensor("keys_tensor") {
            switch t.storage {
            case .string(let k): keySources.append(("keys_tensor", .strings(Self.table(k)), k.count))
            case .int64(let k): keySources.append(("keys_tensor", .int64s(Self.table(k)), k.count))
            case .float(let k):
                let (m, nan) = Self.realTable(k, nanMatches: true)
                keySources.append(("keys_tensor", .floats(m, nan: nan), k.count))
            case .double(let k):
                let (m, nan) = Self.realTable(k, nanMatches: true)
                keySources.append(("keys_tensor", .doubles(m, nan: nan), k.count))
            default:
                throw a.unsupported("keys_tensor", "has element type \(t.elementType) (expected string, int64, float or double)")
            }
        }
        guard keySources.count == 1 else {
            throw a.invalid("keys_*", keySources.isEmpty ? "is missing: one key list is required"
                            : "is ambiguous: found \(keySources.map { $0.0 }.joined(separator: ", "))")
        }

        // Values: exactly one source, with its default.
        let defaultTensor = tensors ? try a.tensor("default_tensor") : nil
        func defaultValue<T>(_ attr: String, _ backup: T, _ read: () throws -> T?,
                             _ fromTensor: (TensorStorage) -> T?) throws -> T {
            if let d = defaultTensor, d.count > 0 {
                guard let v = fromTensor(d.storage) else {
                    throw a.invalid("default_tensor", "has element type \(d.elementType), which does not match the values")
                }
                return v
            }
            return try read() ?? backup
        }
        func stringDefault() throws -> String {
            try defaultValue("default_string", "_Unused", { try a.string("default_string") }) {
                if case .string(let v) = $0 { return v[0] } else { return nil }
            }
        }
        func intDefault() throws -> Int64 {
            try defaultValue("default_int64", -1, { try a.int("default_int64") }) {
                if case .int64(let v) = $0 { return v[0] } else { return nil }
            }
        }
        func floatDefault() throws -> Float {
            try defaultValue("default_float", -0.0, { try a.float("default_float") }) {
                if case .float(let v) = $0 { return v[0] } else { return nil }
            }
        }
        var valueSources: [(String, Values, Int)] = []
        if a.has("values_strings") {
            let v = try a.strings("values_strings")
            valueSources.append(("values_strings", .strings(v, try stringDefault()), v.count))
        }
        if a.has("values_int64s") {
            let v = try a.ints("values_int64s")
            valueSources.append(("values_int64s", .int64s(v, try intDefault()), v.count))
        }
        if a.has("values_floats") {
            let v = try a.floats("values_floats")
            valueSources.append(("values_floats", .floats(v, try floatDefault()), v.count))
        }
        if tensors, let t = try a.tensor("values_tensor") {
            switch t.storage {
            case .string(let v): valueSources.append(("values_tensor", .strings(v, try stringDefault()), v.count))
            case .int64(let v): valueSources.append(("values_tensor", .int64s(v, try intDefault()), v.count))
            case .float(let v): valueSources.append(("values_tensor", .floats(v, try floatDefault()), v.count))
            case .double(let v):
                let d: Double = try defaultValue("default_tensor", -0.0, { nil }) {
                    if case .double(let v) = $0 { return v[0] } else { return nil }
                }
                valueSources.append(("values_tensor", .doubles(v, d), v.count))
            default:
                throw a.unsupported("values_tensor", "has element type \(t.elementType) (expected string, int64, float or double)")
            }
        }
        guard valueSources.count == 1 else {
            throw a.invalid("values_*", valueSources.isEmpty ? "is missing: one value list is required"
                            : "is ambiguous: found \(valueSources.map { $0.0 }.joined(separator: ", "))")
        }
        let (keyName, k, keyCount) = keySources[0]
        let (valueName, v, valueCount) = valueSources[0]
        guard keyCount == valueCount else {
            throw a.invalid(valueName, "has \(valueCount) entries but '\(keyName)' has \(keyCount)")
        }
        keys = k
        values = v
    }

    /// Value index per key; the first of duplicate keys wins (ORT's emplace).
    private static func table<K: Hashable>(_ keys: [K]) -> [K: Int] {
        var m = [K: Int](minimumCapacity: keys.count)
        for (i, k) in keys.enumerated() where m[k] == nil { m[k] = i }
        return m
    }

    /// Like `table`, keeping NaN apart: it never matches before opset 4, and
    /// matches NaN input from opset 4 on.
    private static func realTable<K: BinaryFloatingPoint>(_ keys: [K], nanMatches: Bool) -> ([K: Int], Int?) {
        var m = [K: Int](minimumCapacity: keys.count)
        var nan: Int?
        for (i, k) in keys.enumerated() {
            if k.isNaN {
                if nanMatches, nan == nil { nan = i }
            } else if m[k] == nil {
                m[k] = i
            }
        }
        return (m, nan)
    }

    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        let x = try MLInput.tensor(inputs, 0, label)
        if let (table, strings, fallback) = reverse, case .int64(let input) = x.storage {
            let out = input.map { key in table[key].map { strings[$0] } ?? fallback }
            return [.tensor(Tensor(shape: x.shape, strings: out))]
        }
        let indices: [Int?]
        switch (keys, x.storage) {
        case (.strings(let m), .string(let input)): indices = input.map { m[$0] }
        case (.int64s(let m), .int64(let input)): indices = input.map { m[$0] }
        case (.floats(let m, let nan), .float(let input)): indices = input.map { $0.isNaN ? nan : m[$0] }
        case (.doubles(let m, let nan), .double(let input)): indices = input.map { $0.isNaN ? nan : m[$0] }
        default:
            let expected = reverse == nil ? "\(keys.elementType)" : "string or int64"
            throw ModelError(.invalidInput, "\(label): input must be \(expected), found \(x.elementType)")
        }
        let storage: TensorStorage
        switch values {
        case .strings(let v, let d): storage = .string(indices.map { $0.map { v[$0] } ?? d })
        case .int64s(let v, let d): storage = .int64(indices.map { $0.map { v[$0] } ?? d })
        case .floats(let v, let d): storage = .float(indices.map { $0.map { v[$0] } ?? d })
        case .doubles(let v, let d): storage = .double(indices.map { $0.map { v[$0] } ?? d })
        }
        return [.tensor(Tensor(shape: x.shape, storage: storage))]
    }
}
