/// Typed, validated access to the attributes of one `ai.onnx.ml` node.
///
/// Every accessor throws `ModelError(.invalidModel)` naming the node, the
/// operator and the attribute when an attribute has the wrong kind, so a
/// malformed model fails at load time with a message a person can act on.
struct MLAttributes {
    let node: NodeDescription

    init(_ node: NodeDescription) {
        self.node = node
    }

    /// "SVMClassifier node 'svc'" — the prefix of every load-time message.
    var nodeLabel: String {
        node.name.isEmpty ? "\(node.opType) node" : "\(node.opType) node '\(node.name)'"
    }

    func has(_ name: String) -> Bool { node.attributes[name] != nil }

    /// An error naming this node and `name`.
    func invalid(_ name: String, _ problem: String) -> ModelError {
        ModelError(.invalidModel, "\(nodeLabel): attribute '\(name)' \(problem)")
    }

    /// An `.unsupported` error naming this node and `name`.
    func unsupported(_ name: String, _ problem: String) -> ModelError {
        ModelError(.unsupported, "\(nodeLabel): attribute '\(name)' \(problem)")
    }

    private func kindName(_ a: Attribute) -> String {
        switch a {
        case .float: return "a float"
        case .int: return "an int"
        case .string: return "a string"
        case .tensor: return "a tensor"
        case .floats: return "a list of floats"
        case .ints: return "a list of ints"
        case .strings: return "a list of strings"
        }
    }

    // MARK: scalars

    func int(_ name: String) throws -> Int64? {
        guard let a = node.attributes[name] else { return nil }
        switch a {
        case .int(let v): return v
        // A one-element list is tolerated: some exporters write scalars that way.
        case .ints(let v) where v.count == 1: return v[0]
        default: throw invalid(name, "must be an int, found \(kindName(a))")
        }
    }

    func int(_ name: String, default value: Int64) throws -> Int64 {
        try int(name) ?? value
    }

    func float(_ name: String) throws -> Float? {
        guard let a = node.attributes[name] else { return nil }
        switch a {
        case .float(let v): return v
        case .floats(let v) where v.count == 1: return v[0]
        default: throw invalid(name, "must be a float, found \(kindName(a))")
        }
    }

    func float(_ name: String, default value: Float) throws -> Float {
        try float(name) ?? value
    }

    func string(_ name: String) throws -> String? {
        guard let a = node.attributes[name] else { return nil }
        switch a {
        case .string(let v): return v
        case .strings(let v) where v.count == 1: return v[0]
        default: throw invalid(name, "must be a string, found \(kindName(a))")
        }
    }

    func string(_ name: String, default value: String) throws -> String {
        try string(name) ?? value
    }

    // MARK: lists (an absent attribute reads as empty, like ORT's GetAttrsOrDefault)

    func floats(_ name: String) throws -> [Float] {
        guard let a = node.attributes[name] else { return [] }
        switch a {
        case .floats(let v): return v
        case .float(let v): return [v]
        default: throw invalid(name, "must be a list of floats, found \(kindName(a))")
        }
    }

    func ints(_ name: String) throws -> [Int64] {
        guard let a = node.attributes[name] else { return [] }
        switch a {
        case .ints(let v): return v
        case .int(let v): return [v]
        default: throw invalid(name, "must be a list of ints, found \(kindName(a))")
        }
    }

    func strings(_ name: String) throws -> [String] {
        guard let a = node.attributes[name] else { return [] }
        switch a {
        case .strings(let v): return v
        case .string(let v): return [v]
        default: throw invalid(name, "must be a list of strings, found \(kindName(a))")
        }
    }

    func tensor(_ name: String) throws -> Tensor? {
        guard let a = node.attributes[name] else { return nil }
        guard case .tensor(let t) = a else {
            throw invalid(name, "must be a tensor, found \(kindName(a))")
        }
        return t
    }

    /// A float or double tensor attribute (ml opset 3 `*_as_tensor`) read as doubles;
    /// nil when absent. ORT insists on a non-empty 1-D tensor.
    func realTensor(_ name: String) throws -> [Double]? {
        guard let t = try tensor(name) else { return nil }
        guard t.rank == 1, t.count > 0 else {
            throw invalid(name, "must be a non-empty 1-D tensor, found shape \(t.shape)")
        }
        switch t.storage {
        case .double(let v): return v
        case .float(let v): return v.map(Double.init)
        default:
            throw invalid(name, "must hold float or double values, found \(t.elementType)")
        }
    }

    /// A post_transform attribute, rejecting unknown spellings at load time.
    func postTransform(_ name: String = "post_transform") throws -> MLPostTransform {
        let text = try string(name, default: "NONE")
        guard let t = MLPostTransform(rawValue: text) else {
            throw unsupported(name, "has unknown value '\(text)' (expected NONE, LOGISTIC, SOFTMAX, SOFTMAX_ZERO or PROBIT)")
        }
        return t
    }
}
