import ModelRuntime

/// How rows of numbers become the model's one input: its name, float or
/// double, and how many features a row must have (nil when the model leaves
/// the width open).
struct ModelFeed: Sendable {
    let inputName: String
    let elementType: ElementType
    let featureCount: Int?

    /// Checks that `model` takes one numeric [N, F] input.
    init(model: Model, name: String) throws(BatchError) {
        guard model.inputs.count == 1, let input = model.inputs.first else {
            throw BatchError("model '\(name)' has \(model.inputs.count) inputs (\(model.inputs.map(\.name).joined(separator: ", "))); batch scoring feeds one [N, features] input")
        }
        guard case .tensor(let element, let shape) = input.type, element == .float || element == .double else {
            throw BatchError("model '\(name)' input '\(input.name)' is not a float or double tensor; batch scoring feeds numbers")
        }
        if let shape, shape.count != 2 {
            throw BatchError("model '\(name)' input '\(input.name)' has rank \(shape.count); batch scoring feeds [N, features]")
        }
        inputName = input.name
        elementType = element
        if let shape, case .fixed(let width) = shape[1] { featureCount = width } else { featureCount = nil }
    }

    /// Checks the input's feature columns against the model's width.
    func check(columns: [String], source: String) throws(BatchError) {
        guard let featureCount, featureCount != columns.count else { return }
        let shown = columns.count > 12 ? columns.prefix(12).joined(separator: ", ") + ", …" : columns.joined(separator: ", ")
        throw BatchError("the model wants \(featureCount) features per row; \(source) gives \(columns.count) (\(shown)); choose them with --columns")
    }

    /// The chunk as the model's input tensor.
    func tensor(_ chunk: FeatureChunk) -> Tensor {
        let shape = [chunk.rowCount, chunk.featureCount]
        switch elementType {
        case .double: return Tensor(shape: shape, doubles: chunk.features)
        default: return Tensor(shape: shape, floats: chunk.features.map { Float($0) })
        }
    }

    /// Runs the model on the chunk: every output, in the model's order.
    func predict(_ model: Model, _ chunk: FeatureChunk) throws -> [Value] {
        try model.runAllOutputs([inputName: tensor(chunk)])
    }
}
