/// Operators whose attributes hold subgraphs. They cannot go through
/// `KernelRegistration` (`Attribute` has no graph case), so plan building
/// hands them their compiled bodies here.
enum ControlFlowOperators {
    /// The kernel for a node with subgraphs, or nil when swerve has none for it.
    static func make(_ node: NodeDescription, subgraphs: [String: ExecutionPlan]) throws -> (any Kernel)? {
        guard node.domain.isEmpty, node.opType == "Scan" else { return nil }
        guard node.opsetVersion >= 9 else {
            throw ModelError(.unsupported, "Scan before opset 9 (with sequence_lens) is not supported")
        }
        return try ScanKernel(node, subgraphs: subgraphs)
    }
}
