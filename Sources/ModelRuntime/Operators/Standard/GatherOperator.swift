/// Gather: picks slices of `data` along `axis` by (possibly negative) indices.
struct GatherKernel: Kernel {
    let axis: Int

    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        let args = StandardArguments(inputs)
        let data = try args.tensor(0, "data")
        let indicesTensor = try args.tensor(1, "indices")
        guard let indices = try args.integers(1, "indices") else {
            throw ModelError(.execution, "required input 1 ('indices') is missing")
        }
        guard data.rank >= 1 else { throw ModelError(.execution, "Gather needs data of rank >= 1") }
        let axis = try normalizedAxis(self.axis, rank: data.rank)
        let size = data.shape[axis]
        let outer = elementCount(Array(data.shape[..<axis]))
        let inner = elementCount(Array(data.shape[(axis + 1)...]))
        let resolved = try indices.map { raw -> Int in
            let i = raw < 0 ? raw + size : raw
            guard i >= 0, i < size else {
                throw ModelError(.execution, "index \(raw) is out of range for axis \(axis) of size \(size)")
            }
            return i
        }
        let count = outer * resolved.count * inner
        let picks = [Int](unsafeUninitializedCapacity: count) { out, initialized in
            var position = 0
            for o in 0..<outer {
                for i in resolved {
                    let base = (o * size + i) * inner
                    for k in 0..<inner { out[position] = base + k; position += 1 }
                }
            }
            initialized = count
        }
        let shape = Array(data.shape[..<axis]) + indicesTensor.shape + Array(data.shape[(axis + 1)...])
        return [.tensor(Tensor(shape: shape, storage: data.storage.gathered(picks)))]
    }
}

extension StandardOperators {
    static let gatherRegistrations: [KernelRegistration] =
        register("Gather", [1, 11, 13]) { node in
            GatherKernel(axis: Int(try StandardAttributes(node).int("axis", default: 0)))
        }
}
