extension Model {
    /// Runs the graph on `feeds` (one tensor per graph input, by name).
    ///
    /// Inputs are checked by name, element type and shape; a mismatch throws
    /// `ModelError.invalidInput` naming the input, what was expected and what
    /// was given. `outputs` nil returns every graph output; otherwise only the
    /// named ones, computing only the nodes they need.
    /// Thread-safe: many threads may call `run` at once.
    public func run(_ feeds: [String: Tensor], outputs requested: [String]? = nil) throws -> [String: Value] {
        if feeds.count > plan.inputs.count || feeds.keys.contains(where: { inputIndex[$0] == nil }) {
            for name in feeds.keys.sorted() where inputIndex[name] == nil {
                throw ModelError(.invalidInput, "unknown input '\(name)'; the model's inputs are \(namesList(inputs.map(\.name)))")
            }
        }
        var slots = [Value?](repeating: nil, count: plan.slotCount)
        for (slot, value) in plan.constants { slots[slot] = value }
        for (info, slot) in plan.inputs {
            guard let tensor = feeds[info.name] else {
                throw ModelError(.invalidInput, "missing input '\(info.name)' (\(describe(info.type)))")
            }
            try check(tensor, against: info)
            slots[slot] = .tensor(tensor)
        }

        var wanted: [(name: String, slot: Int)] = []
        var needed: [Bool]?
        if let requested {
            for name in requested {
                guard let slot = outputSlot[name] else {
                    throw ModelError(.invalidInput, "unknown output '\(name)'; the model's outputs are \(namesList(outputs.map(\.name)))")
                }
                wanted.append((name, slot))
            }
            if wanted.count < plan.outputs.count { needed = plan.stepsNeeded(for: wanted.map(\.slot)) }
        } else {
            wanted = plan.outputs.map { ($0.info.name, $0.slot) }
        }

        try plan.execute(&slots, needed: needed)

        var results: [String: Value] = [:]
        results.reserveCapacity(wanted.count)
        for (name, slot) in wanted {
            guard let value = slots[slot] else {
                throw ModelError(.execution, "output '\(name)' was not computed")
            }
            results[name] = value
        }
        return results
    }

    private func check(_ tensor: Tensor, against info: ValueInfo) throws {
        guard case .tensor(let element, let shape) = info.type else {
            throw ModelError(.invalidInput, "input '\(info.name)' is not a tensor input")
        }
        var matches = tensor.elementType == element
        if matches, let shape {
            matches = shape.count == tensor.rank
            if matches {
                for (declared, actual) in zip(shape, tensor.shape) {
                    if case .fixed(let size) = declared, size != actual { matches = false; break }
                }
            }
        }
        if !matches {
            throw ModelError(.invalidInput,
                             "input '\(info.name)': expected \(describe(info.type)), got \(tensor.elementType) \(describe(tensor.shape))")
        }
    }

    private func namesList(_ names: [String]) -> String {
        names.isEmpty ? "(none)" : names.map { "'\($0)'" }.joined(separator: ", ")
    }
}

/// "float [N,4]"-style text for messages.
func describe(_ type: ValueType) -> String {
    switch type {
    case .tensor(let element, let shape):
        guard let shape else { return "\(element) (any shape)" }
        return "\(element) [\(shape.map(\.description).joined(separator: ","))]"
    case .sequenceOfMaps(let key, let value):
        return "seq(map(\(key), \(value)))"
    }
}

func describe(_ shape: [Int]) -> String {
    "[\(shape.map(String.init).joined(separator: ","))]"
}
