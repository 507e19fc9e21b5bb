/// Scan (opset 9+): runs `body` once per slice of the scan inputs, threading
/// the state variables through, and stacks the per-iteration scan outputs.
///
/// Inputs: N initial states, then M scan inputs, then (appended by plan
/// building) the outer-scope values the body reads, in `body.outerScope` order.
struct ScanKernel: Kernel {
    let body: ExecutionPlan
    let stateCount: Int
    let scanInputCount: Int
    let declaredInputCount: Int
    let inputAxes: [Int]
    let inputReversed: [Bool]
    let outputAxes: [Int]
    let outputReversed: [Bool]

    init(_ node: NodeDescription, subgraphs: [String: ExecutionPlan]) throws {
        guard let body = subgraphs["body"] else { throw ModelError(.invalidModel, "Scan has no 'body' graph") }
        let attributes = StandardAttributes(node)
        let m = Int(try attributes.int("num_scan_inputs"))
        let declared = node.inputs.count
        guard m >= 1, m <= declared else {
            throw ModelError(.invalidModel, "num_scan_inputs \(m) does not fit \(declared) inputs")
        }
        let n = declared - m
        guard body.inputs.count == declared else {
            throw ModelError(.invalidModel, "Scan body takes \(body.inputs.count) inputs, the node passes \(declared)")
        }
        let k = body.outputs.count - n
        guard k >= 0, node.outputs.count <= body.outputs.count else {
            throw ModelError(.invalidModel, "Scan body returns \(body.outputs.count) values for \(n) states and \(node.outputs.count) outputs")
        }
        self.body = body
        stateCount = n
        scanInputCount = m
        declaredInputCount = declared
        inputAxes = try attributes.ints("scan_input_axes") ?? [Int](repeating: 0, count: m)
        inputReversed = (try attributes.ints("scan_input_directions") ?? [Int](repeating: 0, count: m)).map { $0 != 0 }
        outputAxes = try attributes.ints("scan_output_axes") ?? [Int](repeating: 0, count: k)
        outputReversed = (try attributes.ints("scan_output_directions") ?? [Int](repeating: 0, count: k)).map { $0 != 0 }
        guard inputAxes.count == m, inputReversed.count == m, outputAxes.count == k, outputReversed.count == k else {
            throw ModelError(.invalidModel, "Scan axes/directions attributes do not match the number of scan inputs/outputs")
        }
    }

    func compute(_ inputs: KernelInputs) throws -> KernelOutputs {
        let args = StandardArguments(inputs)
        var states: [Value] = []
        for i in 0..<stateCount {
            guard i < inputs.count, let value = inputs[i] else {
                throw ModelError(.execution, "Scan state input \(i) is missing")
            }
            states.append(value)
        }
        var scans: [(tensor: Tensor, axis: Int)] = []
        var length = -1
        for j in 0..<scanInputCount {
            let t = try args.tensor(stateCount + j, "scan input \(j)")
            let axis = try normalizedAxis(inputAxes[j], rank: t.rank)
            guard t.rank >= 1 else { throw ModelError(.execution, "Scan input \(j) is a scalar") }
            if length < 0 { length = t.shape[axis] } else if t.shape[axis] != length {
                throw ModelError(.execution, "Scan inputs have different lengths (\(length) and \(t.shape[axis]))")
            }
            scans.append((t, axis))
        }
        let outer = Array(inputs.dropFirst(declaredInputCount))

        let outputCount = body.outputs.count - stateCount
        var pieces = [[Tensor]](repeating: [], count: outputCount)
        // One slot array for all iterations, emptied between them.
        var slots = [Value?](repeating: nil, count: body.slotCount)
        for iteration in 0..<max(length, 0) {
            if iteration > 0 { for i in 0..<slots.count { slots[i] = nil } }
            for constant in body.constants { slots[constant.slot] = constant.value }
            for i in 0..<stateCount { slots[body.inputs[i].slot] = states[i] }
            for (j, scan) in scans.enumerated() {
                let position = inputReversed[j] ? length - 1 - iteration : iteration
                slots[body.inputs[stateCount + j].slot] = .tensor(ScanKernel.slice(scan.tensor, axis: scan.axis, at: position))
            }
            for (index, entry) in body.outerScope.enumerated() where index < outer.count {
                slots[entry.slot] = outer[index]
            }
            try slots.withUnsafeMutableBufferPointer { try body.execute($0) }
            for i in 0..<stateCount {
                guard let value = slots[body.outputs[i].slot] else { throw ModelError(.execution, "Scan body produced no state \(i)") }
                states[i] = value
            }
            for k in 0..<outputCount {
                guard case .tensor(let t)? = slots[body.outputs[stateCount + k].slot] else {
                    throw ModelError(.execution, "Scan body produced no tensor for scan output \(k)")
                }
                if let first = pieces[k].first, first.shape != t.shape || first.elementType != t.elementType {
                    throw ModelError(.execution, "Scan output \(k) changes shape or type between iterations")
                }
                pieces[k].append(t)
            }
        }

        var results = states
        for k in 0..<outputCount {
            var ordered = pieces[k]
            if outputReversed[k] { ordered.reverse() }
            guard let first = ordered.first else {
                throw ModelError(.execution, "Scan ran no iterations, so scan output \(k) has no shape")
            }
            let stacked = Tensor(shape: [ordered.count] + first.shape,
                                 storage: try concatenatedStorage(ordered.map(\.storage)))
            let axis = try normalizedAxis(outputAxes[k], rank: stacked.rank)
            if axis == 0 {
                results.append(.tensor(stacked))
            } else {
                // Move the iteration axis from 0 to `axis`.
                var perm = Array(1..<stacked.rank)
                perm.insert(0, at: axis)
                results.append(try TransposeKernel(permutation: perm).compute(values: [.tensor(stacked)])[0])
            }
        }
        return KernelOutputs(results)
    }

    /// `t` at index `position` of `axis`, with that axis removed.
    static func slice(_ t: Tensor, axis: Int, at position: Int) -> Tensor {
        if axis == 0 {
            // The common case: one contiguous block, copied without an index map.
            let inner = elementCount(Array(t.shape.dropFirst()))
            return Tensor(shape: Array(t.shape.dropFirst()),
                          storage: t.storage.subrange((position * inner)..<((position + 1) * inner)))
        }
        var sourceStrides = strides(of: t.shape)
        let start = position * sourceStrides.remove(at: axis)
        var shape = t.shape
        shape.remove(at: axis)
        return Tensor(shape: shape, storage: t.storage.gathered(stridedOffsets(shape, sourceStrides, start: start)))
    }
}
