import Primitives
import ModelRuntime
import Wire

/// One fan-out Predict in flight: collects each member's result (from any
/// thread, in any order) and answers once the last one is in. Every member
/// call is itself bounded by its timeout and the caller's deadline, so the
/// last result always arrives by then.
final class FanOutCall: Sendable {
    private struct State {
        var results: [Result<PredictResponse, MemberCallError>?]
        var remaining: Int
    }

    let model: String
    let config: FanOutConfig
    let outputFilter: [String]
    let tensorEncoding: TensorEncoding
    let deadline: ContinuousClock.Instant?
    /// When each member's answer is due: its timeout from the start, or the
    /// caller's deadline when that comes first.
    let memberDeadlines: [ContinuousClock.Instant]
    /// Whether the caller's deadline (not the member's timeout) set `memberDeadlines[i]`.
    let boundedByCaller: [Bool]
    private let completion: @Sendable (Result<PredictResponse, WireError>) -> Void
    private let state: Locked<State>

    init(model: String, config: FanOutConfig, request: PredictRequest, deadline: ContinuousClock.Instant?,
         start: ContinuousClock.Instant = .now,
         completion: @escaping @Sendable (Result<PredictResponse, WireError>) -> Void) {
        self.model = model
        self.config = config
        self.outputFilter = request.outputFilter
        self.tensorEncoding = request.tensorEncoding
        self.deadline = deadline
        self.completion = completion
        let n = config.members.count
        var due: [ContinuousClock.Instant] = []
        var bounded: [Bool] = []
        for member in config.members {
            let own = start.advanced(by: member.timeout)
            if let deadline, deadline < own {
                due.append(deadline)
                bounded.append(true)
            } else {
                due.append(own)
                bounded.append(false)
            }
        }
        memberDeadlines = due
        boundedByCaller = bounded
        state = Locked(State(results: Array(repeating: nil, count: n), remaining: n))
    }

    /// Records member `index`'s result; the last one answers the call.
    func finish(_ index: Int, _ result: Result<PredictResponse, MemberCallError>) {
        let all: [Result<PredictResponse, MemberCallError>]? = state.withLock { s in
            guard s.results[index] == nil else { return nil }
            s.results[index] = result
            s.remaining -= 1
            return s.remaining == 0 ? s.results.map { $0! } : nil
        }
        if let all { completion(answer(all)) }
    }

    private func answer(_ results: [Result<PredictResponse, MemberCallError>]) -> Result<PredictResponse, WireError> {
        var replies: [FanOutAggregation.Reply] = []
        var failures: [(member: String, error: MemberCallError)] = []
        for (i, result) in results.enumerated() {
            switch result {
            case .success(let r): replies.append(.init(member: config.members[i], response: r))
            case .failure(let e): failures.append((config.members[i].name, e))
            }
        }
        if !failures.isEmpty && (config.failure == .requireAll || replies.isEmpty) {
            let callerTimedOut = results.indices.contains { i in
                if case .failure(.timedOut) = results[i] { return boundedByCaller[i] }
                return false
            }
            if callerTimedOut || (deadline.map { ContinuousClock.now >= $0 } ?? false) {
                let detail = failures.map { "\($0.member) (\($0.error))" }.joined(separator: ", ")
                return .failure(WireError(.deadlineExceeded, "fan-out model '\(model)': the request's deadline "
                    + "passed before every member answered; failed: \(detail)"))
            }
            return .failure(failureError(failures, answered: replies.count))
        }
        var outputs: [NamedTensor]
        do {
            outputs = try FanOutAggregation.combine(replies, config: config)
        } catch {
            return .failure(WireError(error.code, "fan-out model '\(model)': \(error.message)"))
        }
        if !outputFilter.isEmpty {
            let available = outputs.map(\.name)
            for name in outputFilter where !available.contains(name) {
                return .failure(.invalidArgument("unknown output '\(name)' in output_filter for fan-out model "
                    + "'\(model)'; outputs: \(available.joined(separator: ", "))"))
            }
            outputs = outputs.filter { output in
                outputFilter.contains(output.name) || (output.name.hasSuffix(NamedTensor.labelsSuffix)
                    && outputFilter.contains(String(output.name.dropLast(NamedTensor.labelsSuffix.count))))
            }
        }
        if !failures.isEmpty {
            let lines = failures.map { "\($0.member): \($0.error)" }
            outputs.append(NamedTensor(FanOutAggregation.errorsOutput, Tensor(shape: [lines.count], strings: lines)))
        }
        return .success(PredictResponse(modelSpec: ModelSpec(name: model), outputs: outputs, tensorEncoding: tensorEncoding))
    }

    /// The error for a call that cannot be answered (the caller's deadline
    /// having been checked already): the members' common client-side
    /// error (e.g. INVALID_ARGUMENT for a bad input every member rejected)
    /// when nobody answered, else UNAVAILABLE. The message names every
    /// failed member and why.
    private func failureError(_ failures: [(member: String, error: MemberCallError)], answered: Int) -> WireError {
        let detail = failures.map { "\($0.member) (\($0.error))" }.joined(separator: ", ")
        let names = failures.map(\.member).joined(separator: ", ")
        if answered == 0 {
            let codes = failures.map { f -> StatusCode? in
                if case .status(let s) = f.error { return s.code }
                return nil
            }
            if let first = codes.first ?? nil, codes.allSatisfy({ $0 == first }),
               [.invalidArgument, .notFound, .failedPrecondition].contains(first) {
                return WireError(first, "fan-out model '\(model)': every member rejected the call: \(detail)")
            }
        }
        return WireError(.unavailable, "fan-out model '\(model)': member(s) \(names) failed or timed out "
            + "(\(config.failure.rawValue)): \(detail)")
    }
}
