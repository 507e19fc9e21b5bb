/// A graph compiled for execution: nodes in topological order, each value
/// name mapped to an integer slot, kernels prepared, constants decoded.
///
/// Immutable and Sendable: one plan serves every concurrent run. A run owns
/// its own slot buffer (see `ExecutionPlan+Run.swift`).
struct ExecutionPlan: Sendable {
    /// One prepared node. A final class so the run loop takes one reference
    /// per step instead of copying (and retaining) five fields.
    final class Step: Sendable {
        let kernel: any Kernel
        /// Slots of the node's inputs (-1 for an omitted optional input); for
        /// control-flow nodes, followed by the outer-scope values their body reads.
        let inputs: [Int]
        /// Slots of the node's outputs (-1 for an omitted optional output).
        let outputs: [Int]
        /// Slots whose last reader is this step, freed after it runs.
        let releases: [Int]
        /// How errors name the node: "node 'name' (OpType)".
        let label: String

        init(kernel: any Kernel, inputs: [Int], outputs: [Int], releases: [Int], label: String) {
            self.kernel = kernel
            self.inputs = inputs
            self.outputs = outputs
            self.releases = releases
            self.label = label
        }
    }

    /// A constant seeded into every run. (Small nominal structs rather than
    /// tuples: tuple arrays make the runtime look up generic metadata per run.)
    struct Constant: Sendable {
        var slot: Int
        var value: Value
    }

    /// A graph input or output and its slot.
    struct Port: Sendable {
        var info: ValueInfo
        var slot: Int
    }

    /// A value read from an enclosing graph, and its slot here.
    struct OuterValue: Sendable {
        var name: String
        var slot: Int
    }

    /// Number of value slots a run allocates.
    let slotCount: Int
    /// The most inputs any step reads (its argument buffer's size).
    let widestStep: Int
    /// Every value name of the graph (inputs, initializers, node outputs, outer scope) -> slot.
    let slots: [String: Int]
    /// Initializers, seeded into every run's slots.
    let constants: [Constant]
    /// Graph inputs the caller feeds, with their slots.
    let inputs: [Port]
    /// Graph outputs, with their slots.
    let outputs: [Port]
    /// Names read from an enclosing graph (subgraphs only), with their slots here.
    let outerScope: [OuterValue]
    /// Only the nodes needed for some graph output, in execution order.
    let steps: [Step]
    /// For each slot, the index in `steps` of the step producing it, or -1.
    let producer: [Int]
    /// For each step, the indices of the steps producing its inputs.
    let dependencies: [[Int]]
}
