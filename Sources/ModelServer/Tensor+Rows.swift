import ModelRuntime

extension Tensor {
    /// Rows of the first dimension, or nil for a scalar.
    var rowCount: Int? { shape.first }

    /// Stacks tensors of one element type and equal trailing shape along the
    /// first dimension (the batcher's concatenation of its calls' inputs).
    static func stackingRows(_ parts: [Tensor]) -> Tensor {
        precondition(!parts.isEmpty, "nothing to stack")
        let rows = parts.reduce(0) { $0 + ($1.shape.first ?? 0) }
        let shape = [rows] + parts[0].shape.dropFirst()
        func join<T>(_ pick: (TensorStorage) -> [T]) -> [T] {
            var out: [T] = []
            out.reserveCapacity(parts.reduce(0) { $0 + $1.count })
            for p in parts { out += pick(p.storage) }
            return out
        }
        switch parts[0].storage {
        case .float: return Tensor(shape: shape, storage: .float(join { if case .float(let v) = $0 { v } else { [] } }))
        case .double: return Tensor(shape: shape, storage: .double(join { if case .double(let v) = $0 { v } else { [] } }))
        case .int64: return Tensor(shape: shape, storage: .int64(join { if case .int64(let v) = $0 { v } else { [] } }))
        case .int32: return Tensor(shape: shape, storage: .int32(join { if case .int32(let v) = $0 { v } else { [] } }))
        case .bool: return Tensor(shape: shape, storage: .bool(join { if case .bool(let v) = $0 { v } else { [] } }))
        case .string: return Tensor(shape: shape, storage: .string(join { if case .string(let v) = $0 { v } else { [] } }))
        }
    }

    /// Rows `range` of the first dimension (the batcher's split of one
    /// batch's outputs back into its calls).
    func rows(_ range: Range<Int>) -> Tensor {
        let total = shape.first ?? 0
        let width = total == 0 ? 0 : count / total
        let elements = (range.lowerBound * width)..<(range.upperBound * width)
        let shape = [range.count] + self.shape.dropFirst()
        switch storage {
        case .float(let v): return Tensor(shape: shape, storage: .float(Array(v[elements])))
        case .double(let v): return Tensor(shape: shape, storage: .double(Array(v[elements])))
        case .int64(let v): return Tensor(shape: shape, storage: .int64(Array(v[elements])))
        case .int32(let v): return Tensor(shape: shape, storage: .int32(Array(v[elements])))
        case .bool(let v): return Tensor(shape: shape, storage: .bool(Array(v[elements])))
        case .string(let v): return Tensor(shape: shape, storage: .string(Array(v[elements])))
        }
    }
}
