/// `Imputer` (ai.onnx.ml 1): replaces every input value equal to the replaced
/// value (or NaN when the replaced value is NaN) with the imputed value of its
/// feature. Float input uses `imputed_value_floats`/`replaced_value_float`,
/// int64 input `imputed_value_int64s`/`replaced_value_int64`; exactly one
/// list is given, as ORT requires. The output has the input's type and shape.
struct MLImputer: Kernel {
    let label: String
    let imputedFloats: [Float]
    let replacedFloat: Float
    let imputedInts: [Int64]
    let replacedInt: Int64

    static let registrations = [
        KernelRegistration(domain: "ai.onnx.ml", opType: "Imputer", sinceVersion: 1) { try MLImputer($0) },
    ]

    init(_ node: NodeDescription) throws {
        let a = MLAttributes(node)
        label = a.nodeLabel
        imputedFloats = try a.floats("imputed_value_floats")
        imputedInts = try a.ints("imputed_value_int64s")
        // The ONNX schema defaults both replaced values to 0, which ORT applies.
        replacedFloat = try a.float("replaced_value_float", default: 0)
        replacedInt = try a.int("replaced_value_int64", default: 0)
        guard imputedFloats.isEmpty != imputedInts.isEmpty else {
            throw a.invalid("imputed_value_floats", "or 'imputed_value_int64s' must be given, but not both")
        }
    }

    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        let x = try MLInput.tensor(inputs, 0, label)
        guard x.rank >= 1 else { throw ModelError(.invalidInput, "\(label): input must have at least one dimension") }
        let stride = x.rank == 1 ? x.shape[0] : x.shape[1]
        switch x.storage {
        case .float(let v):
            guard !imputedFloats.isEmpty else {
                throw ModelError(.invalidInput, "\(label): float input needs 'imputed_value_floats', the model gives int64 values")
            }
            let imputed = imputedFloats
            let perFeature = imputed.count == stride
            let replaceNaN = replacedFloat.isNaN
            let replaced = replacedFloat
            let out = MLInput.makeFloats(v.count) { out in
                for i in 0..<v.count {
                    let value = v[i]
                    if (value.isNaN && replaceNaN) || value == replaced {
                        out[i] = imputed[perFeature ? i % stride : 0]
                    } else {
                        out[i] = value
                    }
                }
            }
            return [.tensor(Tensor(shape: x.shape, floats: out))]
        case .int64(let v):
            guard !imputedInts.isEmpty else {
                throw ModelError(.invalidInput, "\(label): int64 input needs 'imputed_value_int64s', the model gives float values")
            }
            let imputed = imputedInts
            let perFeature = imputed.count == stride
            var out = v
            for i in 0..<v.count where v[i] == replacedInt {
                out[i] = imputed[perFeature ? i % stride : 0]
            }
            return [.tensor(Tensor(shape: x.shape, int64s: out))]
        default:
            throw ModelError(.invalidInput, "\(label): input must be float or int64, found \(x.elementType)")
        }
    }
}
