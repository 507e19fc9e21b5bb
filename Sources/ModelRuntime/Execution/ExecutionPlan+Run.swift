extension ExecutionPlan {
    /// Runs the steps over `slots` (already seeded with constants and feeds).
    /// `needed` (one flag per step) restricts the run to the steps some
    /// requested output depends on; nil runs them all.
    ///
    /// Kernel errors come back prefixed with the node that failed.
    func execute(_ slots: inout [Value?], needed: [Bool]? = nil) throws {
        var arguments: [Value?] = []
        try steps.withUnsafeBufferPointer { steps in
            for index in steps.indices {
                let step = steps[index]
                if needed?[index] ?? true {
                    // removeLast per element keeps the capacity like
                    // removeAll(keepingCapacity:), without its generic
                    // replaceSubrange path (a few hundred instructions a step).
                    while !arguments.isEmpty { arguments.removeLast() }
                    step.inputs.withUnsafeBufferPointer { inputs in
                        for slot in inputs { arguments.append(slot >= 0 ? slots[slot] : nil) }
                    }
                    var results: [Value]
                    do {
                        results = try step.kernel.compute(arguments)
                    } catch let error as ModelError {
                        throw ModelError(error.kind, "\(step.label): \(error.message)")
                    } catch {
                        throw ModelError(.execution, "\(step.label): \(error)")
                    }
                    try step.outputs.withUnsafeBufferPointer { outputs in
                        let produced = results.count
                        for position in outputs.indices where outputs[position] >= 0 && position >= produced {
                            throw ModelError(.execution, "\(step.label): the kernel returned \(produced) values for \(outputs.count) outputs")
                        }
                        // Moved out from the back (popLast hands over the
                        // value) rather than copied: no retain/release pair
                        // per output.
                        while let value = results.popLast() {
                            let position = results.count
                            if position < outputs.count, outputs[position] >= 0 {
                                slots[outputs[position]] = value
                            }
                        }
                    }
                }
                step.releases.withUnsafeBufferPointer { releases in
                    for slot in releases { slots[slot] = nil }
                }
            }
        }
    }

    /// Which steps the given output slots need (for a run asking for a subset of outputs).
    func stepsNeeded(for outputSlots: [Int]) -> [Bool] {
        var needed = [Bool](repeating: false, count: steps.count)
        var stack = outputSlots.compactMap { slot -> Int? in
            let step = producer[slot]
            return step >= 0 ? step : nil
        }
        while let index = stack.popLast() {
            if needed[index] { continue }
            needed[index] = true
            stack.append(contentsOf: dependencies[index])
        }
        return needed
    }
}
