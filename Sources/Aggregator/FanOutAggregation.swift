import ModelRuntime
import Wire

/// Turns the members' answers into one answer, per `FanOutConfig.Aggregate`.
/// Pure functions: no I/O, no shared state.
public enum FanOutAggregation {
    /// One member's successful answer.
    public struct Reply: Sendable {
        public var member: FanOutConfig.Member
        public var response: PredictResponse

        public init(member: FanOutConfig.Member, response: PredictResponse) {
            self.member = member
            self.response = response
        }
    }

    /// The name of the best_effort output listing failed members, one
    /// `member: message` string per failure.
    public static let errorsOutput = "errors"

    /// Combines `replies` (in member order, at least one) into outputs.
    /// Throws FAILED_PRECONDITION naming the member whose answer does not fit
    /// the policy (no probability output, mismatched shapes, …).
    public static func combine(_ replies: [Reply], config: FanOutConfig) throws(WireError) -> [NamedTensor] {
        switch config.aggregate {
        case .collect: return collect(replies)
        case .bestLabel: return try bestLabel(replies, config: config)
        case .mean: return try mean(replies, config: config)
        case .vote: return try vote(replies, config: config)
        }
    }

    // MARK: collect

    static func collect(_ replies: [Reply]) -> [NamedTensor] {
        var outputs: [NamedTensor] = []
        for reply in replies {
            for output in reply.response.outputs {
                // `X:labels` becomes `<member>/X:labels`, so the ZipMap pairing survives.
                outputs.append(NamedTensor(reply.member.name + "/" + output.name, output.tensor))
            }
        }
        return outputs
    }

    // MARK: best_label

    static func bestLabel(_ replies: [Reply], config: FanOutConfig) throws(WireError) -> [NamedTensor] {
        var scores: [[Float]] = []
        scores.reserveCapacity(replies.count)
        var rows = -1
        for reply in replies {
            let p = try probabilities(of: reply, config: config)
            let column = try positiveColumn(p, reply: reply)
            var score = [Float](repeating: 0, count: p.rows)
            for r in 0..<p.rows { score[r] = p.values[r * p.columns + column] }
            if rows >= 0 && rows != p.rows {
                throw WireError(.failedPrecondition, "member '\(reply.member.name)' answered \(p.rows) rows, "
                    + "member '\(replies[0].member.name)' \(rows)")
            }
            rows = p.rows
            scores.append(score)
        }
        var labels = [String](repeating: "", count: rows)
        var best = [Float](repeating: 0, count: rows)
        for r in 0..<rows {
            var winner = 0
            // Strictly greater: a tie goes to the member listed first.
            for m in 1..<scores.count where scores[m][r] > scores[winner][r] { winner = m }
            labels[r] = replies[winner].member.label
            best[r] = scores[winner][r]
        }
        var outputs = [NamedTensor("label", Tensor(shape: [rows], strings: labels)),
                       NamedTensor("probability", Tensor(shape: [rows], floats: best))]
        for (m, reply) in replies.enumerated() {
            outputs.append(NamedTensor(reply.member.name + "/probability", Tensor(shape: [rows], floats: scores[m])))
        }
        return outputs
    }

    /// The column of the member's positive class: `positive_label` if set,
    /// else the only class whose label is not 0/false, else column 1 of 2.
    static func positiveColumn(_ p: Probabilities, reply: Reply) throws(WireError) -> Int {
        let member = reply.member
        if p.columns == 1 { return 0 }
        if let wanted = member.positiveLabel {
            if let labels = p.labels, let i = labels.firstIndex(of: wanted) { return i }
            if p.labels == nil, let i = Int(wanted), (0..<p.columns).contains(i) { return i }
            throw WireError(.failedPrecondition, "member '\(member.name)': positive_label \"\(wanted)\" is not among "
                + "the classes of output '\(p.name)' (\(p.labels?.joined(separator: ", ") ?? "\(p.columns) unlabelled columns"))")
        }
        if let labels = p.labels {
            let positive = labels.indices.filter { labels[$0] != "0" && labels[$0].lowercased() != "false" }
            if positive.count == 1 { return positive[0] }
        }
        if p.columns == 2 { return 1 }
        throw WireError(.failedPrecondition, "member '\(member.name)': cannot tell the positive class among "
            + "\(p.columns) classes of output '\(p.name)'; set positive_label")
    }

    // MARK: mean

    static func mean(_ replies: [Reply], config: FanOutConfig) throws(WireError) -> [NamedTensor] {
        let first = try probabilities(of: replies[0], config: config)
        var sum = first.values.map(Double.init)
        for reply in replies.dropFirst() {
            let p = try probabilities(of: reply, config: config)
            guard p.rows == first.rows, p.columns == first.columns else {
                throw WireError(.failedPrecondition, "mean: member '\(reply.member.name)' answered [\(p.rows), \(p.columns)], "
                    + "member '\(replies[0].member.name)' [\(first.rows), \(first.columns)]")
            }
            guard p.labels == first.labels else {
                throw WireError(.failedPrecondition, "mean: member '\(reply.member.name)' has classes "
                    + "\(p.labels ?? []), member '\(replies[0].member.name)' \(first.labels ?? [])")
            }
            for i in sum.indices { sum[i] += Double(p.values[i]) }
        }
        let n = Double(replies.count)
        let averaged = sum.map { Float($0 / n) }
        var outputs = [NamedTensor(first.name, Tensor(shape: first.shape, floats: averaged))]
        guard let labelTensor = first.labelTensor else { return outputs }
        outputs.append(NamedTensor(first.name + NamedTensor.labelsSuffix, labelTensor))
        var winners: [Int] = []
        winners.reserveCapacity(first.rows)
        for r in 0..<first.rows {
            var best = 0
            for c in 1..<max(1, first.columns) where averaged[r * first.columns + c] > averaged[r * first.columns + best] { best = c }
            winners.append(best)
        }
        outputs.insert(NamedTensor("label", pick(winners, from: labelTensor)), at: 0)
        return outputs
    }

    // MARK: vote

    static func vote(_ replies: [Reply], config: FanOutConfig) throws(WireError) -> [NamedTensor] {
        var columns: [(tensor: Tensor, keys: [String])] = []
        for reply in replies {
            guard let tensor = reply.response.output(named: config.labelOutput) else {
                throw WireError(.failedPrecondition, "vote: member '\(reply.member.name)' returned no output "
                    + "'\(config.labelOutput)' (outputs: \(reply.response.outputs.map(\.name).joined(separator: ", ")))")
            }
            guard tensor.rank == 1 || (tensor.rank == 2 && tensor.shape[1] == 1) else {
                throw WireError(.failedPrecondition, "vote: member '\(reply.member.name)' output '\(config.labelOutput)' "
                    + "has shape \(tensor.shape); expected [rows]")
            }
            if let previous = columns.first, previous.tensor.count != tensor.count || previous.tensor.elementType != tensor.elementType {
                throw WireError(.failedPrecondition, "vote: member '\(reply.member.name)' answered \(tensor.count) "
                    + "\(tensor.elementType) labels, member '\(replies[0].member.name)' \(previous.tensor.count) \(previous.tensor.elementType)")
            }
            columns.append((tensor, strings(tensor)))
        }
        let rows = columns[0].tensor.count
        var winnerMember = [Int](repeating: 0, count: rows)
        var votes = [Int64](repeating: 0, count: rows)
        for r in 0..<rows {
            var counts: [String: Int] = [:]
            var best = 0, bestCount = 0
            for (m, column) in columns.enumerated() {
                let count = counts[column.keys[r], default: 0] + 1
                counts[column.keys[r]] = count
                // Strictly greater: among tied labels the one reached first wins.
                if count > bestCount { best = m; bestCount = count }
            }
            winnerMember[r] = best
            votes[r] = Int64(bestCount)
        }
        // The winning label keeps the members' element type.
        var label = columns[0].tensor
        label.shape = [rows]
        switch label.storage {
        case .int64: label.storage = .int64((0..<rows).map { r in int64(columns[winnerMember[r]].tensor, r) })
        case .int32: label.storage = .int32((0..<rows).map { r in Int32(truncatingIfNeeded: int64(columns[winnerMember[r]].tensor, r)) })
        case .bool: label.storage = .bool((0..<rows).map { r in columns[winnerMember[r]].keys[r] == "true" })
        default: label.storage = .string((0..<rows).map { r in columns[winnerMember[r]].keys[r] })
        }
        return [NamedTensor("label", label), NamedTensor("votes", Tensor(shape: [rows], int64s: votes))]
    }

    // MARK: Reading member outputs

    /// A member's class probabilities as a [rows, columns] float matrix.
    struct Probabilities {
        var name: String
        var shape: [Int]
        var rows: Int
        var columns: Int
        var values: [Float]
        var labels: [String]?
        var labelTensor: Tensor?
    }

    static func probabilities(of reply: Reply, config: FanOutConfig) throws(WireError) -> Probabilities {
        let outputs = reply.response.outputs
        let chosen: NamedTensor?
        if let name = config.probabilityOutput {
            chosen = outputs.last(where: { $0.name == name })
            if chosen == nil {
                throw WireError(.failedPrecondition, "member '\(reply.member.name)' returned no output '\(name)' "
                    + "(outputs: \(outputs.map(\.name).joined(separator: ", ")))")
            }
        } else {
            let names = Set(outputs.map(\.name))
            chosen = outputs.first(where: { names.contains($0.name + NamedTensor.labelsSuffix) })
                ?? outputs.first(where: { $0.tensor.elementType == .float || $0.tensor.elementType == .double })
        }
        guard let output = chosen else {
            throw WireError(.failedPrecondition, "member '\(reply.member.name)' returned no probability output "
                + "(outputs: \(outputs.map(\.name).joined(separator: ", "))); set probability_output")
        }
        let t = output.tensor
        let values: [Float]
        switch t.storage {
        case .float(let v): values = v
        case .double(let v): values = v.map(Float.init)
        default:
            throw WireError(.failedPrecondition, "member '\(reply.member.name)' output '\(output.name)' holds "
                + "\(t.elementType), not probabilities (float)")
        }
        let rows: Int, columns: Int
        switch t.rank {
        case 1: rows = t.shape[0]; columns = 1
        case 2: rows = t.shape[0]; columns = t.shape[1]
        default:
            throw WireError(.failedPrecondition, "member '\(reply.member.name)' output '\(output.name)' has shape "
                + "\(t.shape); expected [rows, classes]")
        }
        let labelTensor = reply.response.output(named: output.name + NamedTensor.labelsSuffix)
        let labels = labelTensor.map(strings)
        if let labels, labels.count != columns {
            throw WireError(.failedPrecondition, "member '\(reply.member.name)' output '\(output.name)' has "
                + "\(columns) columns but \(labels.count) labels")
        }
        return Probabilities(name: output.name, shape: t.shape, rows: rows, columns: columns, values: values,
                             labels: labels, labelTensor: labelTensor)
    }

    static func strings(_ t: Tensor) -> [String] {
        switch t.storage {
        case .string(let v): return v
        case .int64(let v): return v.map { String($0) }
        case .int32(let v): return v.map { String($0) }
        case .bool(let v): return v.map { String($0) }
        case .float(let v): return v.map { String($0) }
        case .double(let v): return v.map { String($0) }
        }
    }

    private static func int64(_ t: Tensor, _ i: Int) -> Int64 {
        switch t.storage {
        case .int64(let v): return v[i]
        case .int32(let v): return Int64(v[i])
        default: return 0
        }
    }

    /// Elements `indices` of a rank-1 tensor, same element type.
    private static func pick(_ indices: [Int], from t: Tensor) -> Tensor {
        let n = [indices.count]
        switch t.storage {
        case .string(let v): return Tensor(shape: n, strings: indices.map { v[$0] })
        case .int64(let v): return Tensor(shape: n, int64s: indices.map { v[$0] })
        case .int32(let v): return Tensor(shape: n, int32s: indices.map { v[$0] })
        case .bool(let v): return Tensor(shape: n, bools: indices.map { v[$0] })
        case .float(let v): return Tensor(shape: n, floats: indices.map { v[$0] })
        case .double(let v): return Tensor(shape: n, doubles: indices.map { v[$0] })
        }
    }
}
