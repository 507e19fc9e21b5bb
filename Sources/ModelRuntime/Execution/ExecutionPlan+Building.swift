/// What plan building needs besides the graph, shared by a model and its subgraphs.
struct PlanContext {
    var registry: KernelRegistry
    /// Normalised domain -> imported opset version.
    var opsets: [String: Int]
    /// Names the file (or "in-memory model") in errors.
    var source: String
}

/// Problems found while preparing nodes. Unsupported nodes are all collected so
/// one error can list every one of them; the first structural problem wins.
struct LoadIssues {
    var unsupported: [String] = []
    var invalid: ModelError?

    mutating func recordInvalid(_ error: ModelError) {
        if invalid == nil { invalid = error }
    }
}

extension ExecutionPlan {
    /// Compiles `graph`: checks that every value read is defined, that the graph
    /// has no cycle, orders the nodes, prunes those no output needs, assigns
    /// slots and prepares kernels.
    ///
    /// Structural problems (undefined values, cycles, duplicate definitions)
    /// throw `.invalidModel` right away. Nodes without a kernel are appended to
    /// `issues.unsupported` and get no step; the caller throws once all are known.
    /// `outerNames` are the names an enclosing graph makes visible (subgraphs only).
    init(graph: GraphDefinition, context: PlanContext, outerNames: Set<String> = [],
         issues: inout LoadIssues) throws {
        let source = context.source
        func invalid(_ message: String) -> ModelError { ModelError(.invalidModel, "\(source): \(message)") }
        let graphName = graph.name.isEmpty ? "graph" : "graph '\(graph.name)'"
        let nodes = graph.nodes
        func label(_ index: Int) -> String { "node \(nodes[index].label(index: index)) (\(nodes[index].opType))" }

        // 1. Slots for everything the graph defines.
        var slots: [String: Int] = [:]
        func newSlot(_ name: String) -> Int {
            let slot = slots.count
            slots[name] = slot
            return slot
        }
        var inputs: [Port] = []
        for info in graph.inputs { inputs.append(Port(info: info, slot: newSlot(info.name))) }
        var constants: [Constant] = []
        for initializer in graph.initializers {
            if slots[initializer.name] != nil { continue }
            constants.append(Constant(slot: newSlot(initializer.name), value: .tensor(initializer.tensor)))
        }
        var producerNode: [String: Int] = [:]
        for (index, node) in nodes.enumerated() {
            for output in node.outputs where !output.isEmpty {
                if let other = producerNode[output] {
                    throw invalid("\(graphName): \(label(index)) writes '\(output)', which \(label(other)) already writes")
                }
                if slots[output] != nil {
                    throw invalid("\(graphName): \(label(index)) writes '\(output)', which is a graph input or initializer")
                }
                producerNode[output] = index
                _ = newSlot(output)
            }
        }

        // 2. Subgraphs first: their reads of this graph's values become implicit inputs.
        var visible = outerNames
        visible.formUnion(slots.keys)
        var subplans: [Int: [String: ExecutionPlan]] = [:]
        for (index, node) in nodes.enumerated() where !node.subgraphs.isEmpty {
            var plans: [String: ExecutionPlan] = [:]
            for (attribute, body) in node.subgraphs {
                plans[attribute] = try ExecutionPlan(graph: body, context: context, outerNames: visible, issues: &issues)
            }
            subplans[index] = plans
        }
        // A control-flow node reads its declared inputs, then every outer-scope
        // value its bodies read (in body-attribute order), which its kernel expects.
        func reads(_ index: Int) -> [String] {
            var names = nodes[index].inputs
            if let plans = subplans[index] {
                var implicit: [String] = []
                for key in plans.keys.sorted() {
                    for outer in plans[key]!.outerScope where !implicit.contains(outer.name) { implicit.append(outer.name) }
                }
                names += implicit
            }
            return names
        }

        // 3. Every read resolves to a producer node, a graph input, an initializer or the outer scope.
        var outerScope: [OuterValue] = []
        var dependencies = [[Int]](repeating: [], count: nodes.count)
        var allReads = [[String]](repeating: [], count: nodes.count)
        for index in nodes.indices {
            let names = reads(index)
            allReads[index] = names
            for name in names where !name.isEmpty {
                if let producer = producerNode[name] {
                    if !dependencies[index].contains(producer) { dependencies[index].append(producer) }
                } else if slots[name] != nil {
                    continue
                } else if outerNames.contains(name) {
                    outerScope.append(OuterValue(name: name, slot: newSlot(name)))
                } else {
                    throw invalid("\(graphName): \(label(index)) reads '\(name)', which no node, initializer or graph input produces")
                }
            }
        }

        // 4. Topological order (Kahn), keeping file order among ready nodes.
        var indegree = dependencies.map(\.count)
        var dependents = [[Int]](repeating: [], count: nodes.count)
        for (index, deps) in dependencies.enumerated() { for d in deps { dependents[d].append(index) } }
        var order: [Int] = []
        order.reserveCapacity(nodes.count)
        var ready = nodes.indices.filter { indegree[$0] == 0 }
        var cursor = 0
        while cursor < ready.count {
            let index = ready[cursor]
            cursor += 1
            order.append(index)
            for next in dependents[index] {
                indegree[next] -= 1
                if indegree[next] == 0 { ready.append(next) }
            }
        }
        if order.count < nodes.count {
            let stuck = nodes.indices.filter { indegree[$0] > 0 }.prefix(5).map(label)
            throw invalid("\(graphName) has a cycle through \(stuck.joined(separator: ", "))")
        }

        // 5. Outputs, and the nodes they need.
        var outputs: [Port] = []
        for info in graph.outputs {
            guard let slot = slots[info.name] else {
                throw invalid("\(graphName): output '\(info.name)' is not produced by any node, initializer or input")
            }
            outputs.append(Port(info: info, slot: slot))
        }
        var needed = [Bool](repeating: false, count: nodes.count)
        var stack = graph.outputs.compactMap { producerNode[$0.name] }
        while let index = stack.popLast() {
            if needed[index] { continue }
            needed[index] = true
            stack.append(contentsOf: dependencies[index])
        }

        // 6. Kernels for every node (unneeded ones too, so an unsupported node is
        //    reported even when no output reads it, as onnxruntime would).
        var kernels = [(any Kernel)?](repeating: nil, count: nodes.count)
        for index in nodes.indices {
            let node = nodes[index]
            let where_ = "in node \(node.name.isEmpty ? "#\(index) (unnamed)" : "'\(node.name)'")"
            guard let version = context.opsets[node.domain] else {
                issues.unsupported.append("\(node.opType) (domain '\(displayDomain(node.domain))', which the model does not import) \(where_)")
                continue
            }
            let what = "\(node.opType) (domain '\(displayDomain(node.domain))', opset \(version)) \(where_)"
            if !node.unsupportedAttributes.isEmpty {
                issues.unsupported.append("\(what): attributes of unsupported kinds: \(node.unsupportedAttributes.sorted().joined(separator: ", "))")
                continue
            }
            let description = NodeDescription(name: node.name, opType: node.opType, domain: node.domain,
                                              inputs: node.inputs, outputs: node.outputs,
                                              attributes: node.attributes, opsetVersion: version)
            do {
                if let plans = subplans[index] {
                    guard let kernel = try ControlFlowOperators.make(description, subgraphs: plans) else {
                        issues.unsupported.append("\(what): operators with subgraphs other than Scan are not supported")
                        continue
                    }
                    kernels[index] = kernel
                } else if let registration = context.registry.lookup(domain: node.domain, opType: node.opType,
                                                                     opsetVersion: version) {
                    kernels[index] = try registration.make(description)
                } else {
                    let versions = context.registry.versions(domain: node.domain, opType: node.opType)
                    let detail = versions.isEmpty ? "" : ": swerve's kernels start at opset \(versions[0])"
                    issues.unsupported.append(what + detail)
                }
            } catch let error as ModelError where error.kind == .unsupported {
                issues.unsupported.append("\(what): \(error.message)")
            } catch let error as ModelError {
                issues.recordInvalid(ModelError(error.kind, "\(source): \(graphName): \(label(index)): \(error.message)"))
            } catch {
                issues.recordInvalid(ModelError(.invalidModel, "\(source): \(graphName): \(label(index)): \(error)"))
            }
        }

        // 7. Steps for the needed nodes, with the last reader of each slot.
        let outputSlots = Set(outputs.map(\.slot))
        let plannedOrder = order.filter { needed[$0] && kernels[$0] != nil }
        var stepOfNode = [Int](repeating: -1, count: nodes.count)
        for (position, index) in plannedOrder.enumerated() { stepOfNode[index] = position }
        var readCount = [Int](repeating: 0, count: slots.count)
        var lastReader = [Int](repeating: -1, count: slots.count)
        for (position, index) in plannedOrder.enumerated() {
            for name in allReads[index] where !name.isEmpty {
                let slot = slots[name]!
                readCount[slot] += 1
                lastReader[slot] = position
            }
        }
        var releases = [[Int]](repeating: [], count: plannedOrder.count)
        for slot in 0..<slots.count where lastReader[slot] >= 0 && !outputSlots.contains(slot) {
            releases[lastReader[slot]].append(slot)
        }
        var steps: [Step] = []
        var producer = [Int](repeating: -1, count: slots.count)
        var stepDependencies: [[Int]] = []
        for (position, index) in plannedOrder.enumerated() {
            let node = nodes[index]
            let inputSlots = allReads[index].map { $0.isEmpty ? -1 : slots[$0]! }
            // An output nobody reads and no graph output returns is dropped at once.
            let outputSlotList = node.outputs.map { name -> Int in
                guard !name.isEmpty, let slot = slots[name] else { return -1 }
                return (readCount[slot] > 0 || outputSlots.contains(slot)) ? slot : -1
            }
            for slot in outputSlotList where slot >= 0 { producer[slot] = position }
            steps.append(Step(kernel: kernels[index]!, inputs: inputSlots, outputs: outputSlotList,
                              releases: releases[position], label: label(index)))
            stepDependencies.append(dependencies[index].map { stepOfNode[$0] }.filter { $0 >= 0 })
        }

        self.slotCount = slots.count
        self.widestStep = steps.map(\.inputs.count).max() ?? 0
        self.slots = slots
        self.constants = constants
        self.inputs = inputs
        self.outputs = outputs
        self.outerScope = outerScope
        self.steps = steps
        self.producer = producer
        self.dependencies = stepDependencies
    }
}
