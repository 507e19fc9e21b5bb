extension ExecutionPlan {
    /// Runs the steps over `slots` (already seeded with constants and feeds).
    /// `needed` (one flag per step) restricts the run to the steps some
    /// requested output depends on; nil runs them all.
    ///
    /// Kernel errors come back prefixed with the node that failed.
    func execute(_ slots: UnsafeMutableBufferPointer<Value?>, needed: [Bool]? = nil) throws {
        // Each step's arguments are gathered into one stack buffer, sized for
        // the widest step, that every step reuses.
        try withUnsafeTemporaryAllocation(of: Value?.self, capacity: max(widestStep, 1)) { arguments in
            arguments.initialize(repeating: nil)
            defer { arguments.deinitialize() }
            try steps.withUnsafeBufferPointer { steps in
                for index in steps.indices {
                    let step = steps[index]
                    if needed?[index] ?? true {
                        try run(step, on: slots, arguments: arguments)
                    }
                    step.releases.withUnsafeBufferPointer { releases in
                        for slot in releases { slots[slot] = nil }
                    }
                }
            }
        }
    }

    @inline(__always)
    private func run(_ step: Step, on slots: UnsafeMutableBufferPointer<Value?>,
                     arguments: UnsafeMutableBufferPointer<Value?>) throws {
        let argumentCount = step.inputs.count
        step.inputs.withUnsafeBufferPointer { inputs in
            for position in inputs.indices {
                let slot = inputs[position]
                arguments[position] = slot >= 0 ? slots[slot] : nil
            }
        }
        // The arguments are let go once the kernel returns, so a slot's last
        // reader still frees its value at the step that releases it.
        defer { for position in 0..<argumentCount { arguments[position] = nil } }
        var results: KernelOutputs
        do {
            results = try step.kernel.compute(KernelInputs(UnsafeBufferPointer(rebasing: arguments[..<argumentCount])))
        } catch let error as ModelError {
            throw ModelError(error.kind, "\(step.label): \(error.message)")
        } catch {
            throw ModelError(.execution, "\(step.label): \(error)")
        }
        try step.outputs.withUnsafeBufferPointer { outputs in
            let produced = results.count
            for position in outputs.indices where outputs[position] >= 0 {
                guard position < produced else {
                    throw ModelError(.execution, "\(step.label): the kernel returned \(produced) values for \(outputs.count) outputs")
                }
                // Moved out rather than copied: no retain/release pair per output.
                slots[outputs[position]] = results.take(position)
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
