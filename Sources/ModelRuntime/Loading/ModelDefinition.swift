/// The parts of an ONNX `ModelProto` the runtime uses, as plain Swift values.
/// Built by `ModelDefinition.decode` right after protobuf-c parsing; nothing C
/// outlives that call.
struct ModelDefinition: Sendable {
    var irVersion: Int64
    var producerName: String
    var producerVersion: String
    /// Normalised domain ("" for "ai.onnx") -> imported opset version.
    var opsets: [String: Int]
    var graph: GraphDefinition
}

/// A graph or subgraph (e.g. a Scan body).
struct GraphDefinition: Sendable {
    var name: String
    var nodes: [NodeDefinition]
    var initializers: [(name: String, tensor: Tensor)]
    /// Declared inputs that are not initializers: what the caller must feed.
    /// (An input that also has an initializer is treated as a constant.)
    var inputs: [ValueInfo]
    /// Declared outputs, in file order.
    var outputs: [ValueInfo]
}

/// One node, attributes decoded. Subgraph attributes (only used by control-flow
/// operators such as Scan) are kept apart because `Attribute` has no graph case.
struct NodeDefinition: Sendable {
    var name: String
    var opType: String
    /// Normalised domain: "" for the default domain (also written "ai.onnx").
    var domain: String
    var inputs: [String]
    var outputs: [String]
    var attributes: [String: Attribute]
    var subgraphs: [String: GraphDefinition]
    /// Attributes present in the file whose type the runtime cannot represent.
    var unsupportedAttributes: [String]

    /// How errors name this node: its name, or its op type and position when unnamed.
    func label(index: Int) -> String {
        name.isEmpty ? "#\(index) (\(opType), unnamed)" : "'\(name)'"
    }
}

/// Default-domain spellings, normalised so lookups need only one key.
@inline(__always)
func normalizedDomain(_ domain: String) -> String {
    domain == "ai.onnx" ? "" : domain
}

/// The domain as people read it in messages.
func displayDomain(_ domain: String) -> String {
    domain.isEmpty ? "ai.onnx" : domain
}
