extension Model {
    /// Runs the graph on `feeds` (one tensor per graph input, by name).
    ///
    /// Inputs are checked by name, element type and shape; a mismatch throws
    /// `ModelError.invalidInput` naming the input, what was expected and what
    /// was given. `outputs` nil returns every graph output; otherwise only the
    /// named ones, computing only the nodes they need.
    /// Thread-safe: many threads may call `run` at once.
    public func run(_ feeds: [String: Tensor], outputs requested: [String]? = nil) throws -> [String: Value] {
        var wantedSlots: [Int] = []
        if let requested {
            wantedSlots.reserveCapacity(requested.count)
            for name in requested {
                guard let slot = outputSlot[name] else {
                    throw ModelError(.invalidInput, "unknown output '\(name)'; the model's outputs are \(namesList(outputs.map(\.name)))")
                }
                wantedSlots.append(slot)
            }
        }
        return try withSeededSlots(feeds) { slots in
            // Sized up front with minimumCapacity: (specialised inline) rather
            // than reserveCapacity (an unspecialised stdlib call per run).
            var results = [String: Value](minimumCapacity: requested?.count ?? plan.outputs.count)
            if let requested {
                let needed = wantedSlots.count < plan.outputs.count ? plan.stepsNeeded(for: wantedSlots) : nil
                try plan.execute(slots, needed: needed)
                for (name, slot) in zip(requested, wantedSlots) { results[name] = try take(slots[slot], name) }
            } else {
                try plan.execute(slots, needed: nil)
                for output in plan.outputs { results[output.info.name] = try take(slots[output.slot], output.info.name) }
            }
            return results
        }
    }

    /// Runs the graph on `feeds` and returns every graph output, in the order
    /// of `outputs`: the same checks, errors and results as `run(feeds)`,
    /// without building (and then searching) a dictionary of outputs.
    /// Thread-safe: many threads may call it at once.
    public func runAllOutputs(_ feeds: [String: Tensor]) throws -> [Value] {
        var values: [Value] = []
        values.reserveCapacity(plan.outputs.count)
        try run(feeds) { _, value in values.append(value) }
        return values
    }

    /// Runs the graph on `feeds` and hands every graph output to `body` with
    /// its position in `outputs`, in that order: `runAllOutputs` without an
    /// array, for servers that convert each output anyway.
    /// Thread-safe: many threads may call it at once.
    public func run(_ feeds: [String: Tensor], eachOutput body: (_ position: Int, _ value: Value) throws -> Void) throws {
        try withSeededSlots(feeds) { slots in
            try plan.execute(slots, needed: nil)
            for (position, output) in plan.outputs.enumerated() {
                try body(position, try take(slots[output.slot], output.info.name))
            }
        }
    }

    /// Runs `body` on a run's slots, on the stack: constants seeded, feeds
    /// checked and placed.
    private func withSeededSlots<Result>(_ feeds: [String: Tensor],
                                         _ body: (UnsafeMutableBufferPointer<Value?>) throws -> Result) throws -> Result {
        if feeds.count > plan.inputs.count || feeds.keys.contains(where: { inputIndex[$0] == nil }) {
            for name in feeds.keys.sorted() where inputIndex[name] == nil {
                throw ModelError(.invalidInput, "unknown input '\(name)'; the model's inputs are \(namesList(inputs.map(\.name)))")
            }
        }
        return try withUnsafeTemporaryAllocation(of: Value?.self, capacity: max(plan.slotCount, 1)) { slots in
            slots.initialize(repeating: nil)
            defer { slots.deinitialize() }
            for constant in plan.constants { slots[constant.slot] = constant.value }
            for input in plan.inputs {
                guard let tensor = feeds[input.info.name] else {
                    throw ModelError(.invalidInput, "missing input '\(input.info.name)' (\(describe(input.info.type)))")
                }
                try check(tensor, against: input.info)
                slots[input.slot] = .tensor(tensor)
            }
            return try body(slots)
        }
    }

    @inline(__always)
    private func take(_ value: Value?, _ name: String) throws -> Value {
        guard let value else { throw ModelError(.execution, "output '\(name)' was not computed") }
        return value
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
