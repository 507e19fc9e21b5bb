/// Constant: the value decoded once at load time, returned on every run.
struct ConstantKernel: Kernel {
    let value: Tensor

    func compute(_ inputs: KernelInputs) throws -> KernelOutputs { [.tensor(value)] }

    static func make(_ node: NodeDescription) throws -> ConstantKernel {
        let attributes = StandardAttributes(node)
        if node.attributes["sparse_value"] != nil {
            throw ModelError(.unsupported, "sparse constants are not supported")
        }
        if let t = try attributes.tensor("value") { return ConstantKernel(value: t) }
        if let v = try attributes.optionalFloat("value_float") { return ConstantKernel(value: Tensor(shape: [], floats: [v])) }
        if let v = try attributes.floats("value_floats") { return ConstantKernel(value: Tensor(shape: [v.count], floats: v)) }
        if let v = try attributes.optionalInt("value_int") { return ConstantKernel(value: Tensor(shape: [], int64s: [v])) }
        if let v = try attributes.ints("value_ints") {
            return ConstantKernel(value: Tensor(shape: [v.count], int64s: v.map { Int64($0) }))
        }
        if node.attributes["value_string"] != nil {
            return ConstantKernel(value: Tensor(shape: [], strings: [try attributes.string("value_string")]))
        }
        if let v = try attributes.strings("value_strings") { return ConstantKernel(value: Tensor(shape: [v.count], strings: v)) }
        throw ModelError(.invalidModel, "Constant has no value attribute")
    }
}

/// ConstantOfShape: a tensor of the given shape filled with `value` (default float 0).
struct ConstantOfShapeKernel: Kernel {
    let fill: Tensor

    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        guard let shape = try StandardArguments(inputs).integers(0, "input") else {
            throw ModelError(.execution, "required input 0 ('input') is missing")
        }
        let count = try checkedElementCount(shape)
        return [.tensor(Tensor(shape: shape, storage: fill.storage.gathered([Int](repeating: 0, count: count))))]
    }
}

extension StandardOperators {
    static let constantRegistrations: [KernelRegistration] =
        register("Constant", [1, 9, 11, 12, 13, 19, 21]) { node in try ConstantKernel.make(node) }
        + register("ConstantOfShape", [9, 20, 21]) { node in
            let fill = try StandardAttributes(node).tensor("value") ?? Tensor(shape: [1], floats: [0])
            guard fill.count == 1 else { throw ModelError(.invalidModel, "attribute 'value' must hold one element") }
            return ConstantOfShapeKernel(fill: fill)
        }
}
