import ModelRuntime

extension Model {
    /// The warm-up call's inputs: for each declared input, a batch of one row
    /// of zeros (or empty strings, or `false`). Symbolic dimensions (the batch
    /// size `N` and any other free size) become 1; an input declared without
    /// a shape gets shape `[1]`.
    static func warmUpFeeds(for inputs: [ValueInfo]) throws -> [String: Tensor] {
        var feeds: [String: Tensor] = [:]
        for input in inputs {
            guard case .tensor(let elementType, let declared) = input.type else {
                throw ModelError(.unsupported, "input '\(input.name)' is not a tensor; swerve can only feed tensors")
            }
            let shape = (declared ?? [.symbolic("")]).map { dimension -> Int in
                if case .fixed(let n) = dimension, n >= 0 { return n }
                return 1
            }
            var count = 1
            for n in shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: n)
                // A warm-up row this large means a broken shape, not a real model.
                guard !overflow, product <= 1 << 24 else {
                    throw ModelError(.unsupported, "input '\(input.name)' has shape \(shape), too large for one warm-up row")
                }
                count = product
            }
            let storage: TensorStorage
            switch elementType {
            case .float: storage = .float(Array(repeating: 0, count: count))
            case .double: storage = .double(Array(repeating: 0, count: count))
            case .int64: storage = .int64(Array(repeating: 0, count: count))
            case .int32: storage = .int32(Array(repeating: 0, count: count))
            case .bool: storage = .bool(Array(repeating: false, count: count))
            case .string: storage = .string(Array(repeating: "", count: count))
            }
            feeds[input.name] = Tensor(shape: shape, storage: storage)
        }
        return feeds
    }

    /// Runs one call on a row of zeros, so a version serves only once its
    /// whole graph has run at least once (catches models that load but fail
    /// at run time, and pays first-call costs before real traffic arrives).
    func warmUp() throws {
        _ = try run(Self.warmUpFeeds(for: inputs))
    }
}
