import Primitives
import Logging
import ModelServer
import TextFormats
import Synchronization
import Transport
import Wire

/// Runs Predict on fan-out models: sends the request to every member at once
/// (remote members over pooled, pipelined binary-protocol connections on the
/// server's event loops; in-process members through `local`) and combines
/// the answers per the model's `fan_out` config.
///
/// Lifecycle: `init` reads the fan-out configs from the repository and opens
/// the member pools; a timer on the first loop re-reads them every
/// `refreshInterval` (config changes apply without a restart; pools of
/// endpoints no longer used are closed). `shutdown()` closes every pool; call
/// it before shutting the loops down.
///
/// Thread-safety: every method may be called from any thread. `predict`
/// never blocks: its completion runs on the loop that received the last
/// member's answer (or inline, when every member is in-process).
public final class FanOutAggregator: Sendable {
    /// Runs Predict on a model of this process (the in-process members).
    /// Must call its completion exactly once, on any thread.
    public typealias LocalPredict = @Sendable (PredictRequest, ContinuousClock.Instant?,
                                               @escaping @Sendable (Result<PredictResponse, WireError>) -> Void) -> Void
    /// Runs GetModelMetadata on a model of this process (in-process members).
    public typealias LocalMetadata = @Sendable (GetModelMetadataRequest, ContinuousClock.Instant?,
                                                @escaping @Sendable (Result<GetModelMetadataResponse, WireError>) -> Void) -> Void

    private struct Entry {
        var raw: JSON
        var config: Result<FanOutConfig, FanOutConfigError>
    }

    private struct PoolKey: Hashable {
        var endpoint: Endpoint
        var size: Int
    }

    private struct State {
        var models: [String: Entry] = [:]
        var pools: [PoolKey: MemberConnectionPool] = [:]
        var stopped = false
    }

    private let repository: ModelRepository
    private let loops: [EventLoop]
    private let overrides: [String: Endpoint]
    private let local: LocalPredict
    let localMetadata: LocalMetadata
    private let logger: Logger
    private let backoff: ReconnectBackoff
    private let memberTransforms: (any ClientByteTransformFactory)?
    /// Sent to every member endpoint (`--member-token`).
    private let memberToken: String?
    private let refreshInterval: Duration
    private let state = Locked(State())
    // Lets `serves` (asked for every Predict the server gets) skip the lock
    // while the repository has no fan-out model at all.
    private let hasModels = Atomic<Bool>(false)

    /// - Parameters:
    ///   - repository: a started repository; fan-out models are its models with a `fan_out` section.
    ///   - loops: the event loops member connections live on (the server's own).
    ///   - endpointOverrides: member name (or `model/member`) → endpoint, e.g. from `--member`.
    ///   - local: runs Predict for members without an endpoint.
    ///   - localMetadata: describes members without an endpoint; nil answers UNIMPLEMENTED for them.
    ///   - memberTransforms: TLS to the members (`--member-tls-ca`); nil = plain.
    ///   - memberToken: the bearer token sent to members that check tokens.
    public init(repository: ModelRepository, loops: [EventLoop], endpointOverrides: [String: Endpoint] = [:],
                refreshInterval: Duration = .seconds(2), backoff: ReconnectBackoff = ReconnectBackoff(),
                memberTransforms: (any ClientByteTransformFactory)? = nil, memberToken: String? = nil,
                logger: Logger, local: @escaping LocalPredict, localMetadata: LocalMetadata? = nil) {
        precondition(!loops.isEmpty, "the aggregator needs at least one event loop")
        self.repository = repository
        self.loops = loops
        self.overrides = endpointOverrides
        self.local = local
        self.localMetadata = localMetadata ?? { request, _, completion in
            completion(.failure(WireError(.unimplemented, "no metadata for in-process member model '\(request.modelSpec.name)'")))
        }
        self.logger = logger
        self.backoff = backoff
        self.memberTransforms = memberTransforms
        self.memberToken = memberToken
        self.refreshInterval = refreshInterval
        refresh()
        warnAboutUnusedOverrides()
        scheduleRefresh()
    }

    /// A `--member` naming no member of any fan-out model is most likely a typo.
    private func warnAboutUnusedOverrides() {
        let configs = state.withLock { s in s.models.compactMap { name, entry in (try? entry.config.get()).map { (name, $0) } } }
        for key in overrides.keys.sorted() {
            let used = configs.contains { model, config in
                config.members.contains { key == $0.name || key == "\(model)/\($0.name)" }
            }
            if !used {
                logger.warning("--member \(key)=\(overrides[key]!): no fan-out model has a member '\(key)'")
            }
        }
    }

    /// True for a fan-out model of the repository (even one whose config is
    /// broken: Predict then answers FAILED_PRECONDITION saying why).
    public func serves(model: String) -> Bool {
        guard hasModels.load(ordering: .acquiring) else { return false }
        return state.withLock { $0.models[model] != nil }
    }

    /// The fan-out models, sorted.
    public var modelNames: [String] {
        state.withLock { $0.models.keys.sorted() }
    }

    /// The parsed config of a fan-out model (with `--member` overrides applied).
    public func config(model: String) -> Result<FanOutConfig, FanOutConfigError>? {
        lookup(model)
    }

    /// The config of a fan-out model; nil when there is no such model.
    func lookup(_ model: String) -> Result<FanOutConfig, FanOutConfigError>? {
        state.withLock { $0.models[model]?.config }
    }

    /// The pool serving a remote member of `config`.
    func pool(for member: FanOutConfig.Member, in config: FanOutConfig) -> MemberConnectionPool? {
        guard let endpoint = member.endpoint else { return nil }
        return state.withLock { $0.pools[PoolKey(endpoint: endpoint, size: config.poolSize)] }
    }

    /// Runs `request` on every member of its fan-out model and answers once
    /// all have answered or timed out. `completion` runs exactly once.
    public func predict(_ request: PredictRequest, deadline: ContinuousClock.Instant?,
                        completion: @escaping @Sendable (Result<PredictResponse, WireError>) -> Void) {
        let name = request.modelSpec.name
        let lookup: (Result<FanOutConfig, FanOutConfigError>, [MemberConnectionPool?])? = state.withLock { s in
            guard let entry = s.models[name] else { return nil }
            guard case .success(let config) = entry.config else { return (entry.config, []) }
            let pools = config.members.map { m in m.endpoint.flatMap { s.pools[PoolKey(endpoint: $0, size: config.poolSize)] } }
            return (entry.config, pools)
        }
        guard let (result, pools) = lookup else {
            return completion(.failure(WireError(.notFound, "no fan-out model '\(name)'")))
        }
        let config: FanOutConfig
        switch result {
        case .success(let c): config = c
        case .failure(let error):
            return completion(.failure(WireError(.failedPrecondition, "\(error); fix its config.json")))
        }
        if request.modelSpec.version != nil || request.modelSpec.versionLabel != nil {
            return completion(.failure(.invalidArgument("fan-out model '\(name)' has no versions; "
                + "leave model_spec.version and version_label unset")))
        }

        let now = ContinuousClock.now
        let call = FanOutCall(model: name, config: config, request: request, deadline: deadline, start: now,
                              completion: completion)
        // Remote members first: their calls are in flight while in-process
        // members run inline on this thread.
        let remoteFirst = config.members.indices.filter { config.members[$0].endpoint != nil }
            + config.members.indices.filter { config.members[$0].endpoint == nil }
        for i in remoteFirst {
            let member = config.members[i]
            let memberDeadline = call.memberDeadlines[i]
            let budget = now.duration(to: memberDeadline)
            guard budget > .zero else {
                call.finish(i, .failure(.timedOut(.zero)))
                continue
            }
            let memberRequest = PredictRequest(modelSpec: ModelSpec(name: member.model, version: member.version),
                                               inputs: request.inputs, tensorEncoding: request.tensorEncoding)
            if member.endpoint == nil {
                local(memberRequest, memberDeadline) { result in
                    call.finish(i, result.mapError { error in
                        error.code == .deadlineExceeded ? .timedOut(budget) : .status(error.status)
                    })
                }
            } else if let pool = pools[i] {
                pool.predict(memberRequest, timeout: budget) { call.finish(i, $0) }
            } else {
                // The pool appears on the next refresh (e.g. a config just changed).
                call.finish(i, .failure(.unreachable("no connection pool for \(member.endpoint!) yet")))
            }
        }
    }

    /// Every fan-out member's state, for health pages (the `/health/all` of
    /// the horizontal-microservice pattern).
    public func memberHealth() -> [FanOutMemberHealth] {
        let (models, pools) = state.withLock { s in (s.models, s.pools) }
        var report: [FanOutMemberHealth] = []
        for name in models.keys.sorted() {
            guard case .success(let config) = models[name]!.config else {
                if case .failure(let error) = models[name]!.config {
                    report.append(FanOutMemberHealth(model: name, member: "", memberModel: "", endpoint: nil,
                                                     state: .misconfigured, connections: 0, poolSize: 0,
                                                     lastError: error.description))
                }
                continue
            }
            for member in config.members {
                if let endpoint = member.endpoint {
                    let pool = pools[PoolKey(endpoint: endpoint, size: config.poolSize)]
                    let connected = pool?.connectedCount ?? 0
                    report.append(FanOutMemberHealth(
                        model: name, member: member.name, memberModel: member.model, endpoint: endpoint,
                        state: connected > 0 ? .connected : .unreachable, connections: connected,
                        poolSize: config.poolSize, lastError: pool?.lastError))
                } else {
                    let available = (try? repository.status(name: member.model, version: member.version))?
                        .contains { $0.state == .available } ?? false
                    let nested = models[member.model] != nil
                    report.append(FanOutMemberHealth(
                        model: name, member: member.name, memberModel: member.model, endpoint: nil,
                        state: available || nested ? .inProcess : .unreachable, connections: 0, poolSize: 0,
                        lastError: available || nested ? nil : "model '\(member.model)' has no AVAILABLE version in this process"))
                }
            }
        }
        return report
    }

    /// Closes every member connection. Idempotent.
    public func shutdown() {
        let pools: [MemberConnectionPool] = state.withLock { s in
            s.stopped = true
            defer { s.pools.removeAll() }
            return Array(s.pools.values)
        }
        for pool in pools { pool.close() }
    }

    /// Re-reads the fan-out configs from the repository now (the timer does
    /// this every `refreshInterval`).
    public func refresh() {
        let names = repository.fanOutModelNames()
        var raws: [String: JSON] = [:]
        for name in names {
            if let raw = (try? repository.config(name: name))?.raw["fan_out"] { raws[name] = raw }
        }
        var closing: [MemberConnectionPool] = []
        state.withLock { s in
            guard !s.stopped else { return }
            var models: [String: Entry] = [:]
            for (name, raw) in raws {
                if let old = s.models[name], old.raw == raw {
                    models[name] = old
                    continue
                }
                let parsed: Result<FanOutConfig, FanOutConfigError>
                do {
                    parsed = .success(try FanOutConfig.parse(raw, model: name).applying(overrides: overrides, model: name))
                } catch let error as FanOutConfigError {
                    parsed = .failure(error)
                } catch {
                    parsed = .failure(FanOutConfigError(model: name, problem: "\(error)"))
                }
                switch parsed {
                case .success(let c):
                    let members = c.members.map { "\($0.name)=\($0.endpoint.map { "\($0)" } ?? "in-process")" }
                        .joined(separator: " ")
                    logger.info("fan-out model \(name): \(c.aggregate.rawValue), \(c.failure.rawValue), members \(members)")
                case .failure(let e):
                    logger.error("\(e)")
                }
                models[name] = Entry(raw: raw, config: parsed)
            }
            Self.rejectInProcessCycles(&models)
            s.models = models
            hasModels.store(!models.isEmpty, ordering: .releasing)
            var wanted = Set<PoolKey>()
            for entry in models.values {
                guard case .success(let c) = entry.config else { continue }
                for m in c.members { if let e = m.endpoint { wanted.insert(PoolKey(endpoint: e, size: c.poolSize)) } }
            }
            for key in wanted where s.pools[key] == nil {
                s.pools[key] = MemberConnectionPool(endpoint: key.endpoint, size: key.size, loops: loops,
                                                    backoff: backoff, transforms: memberTransforms, token: memberToken,
                                                    logger: logger)
            }
            for key in s.pools.keys where !wanted.contains(key) {
                closing.append(s.pools.removeValue(forKey: key)!)
            }
        }
        for pool in closing { pool.close() }
    }

    /// A fan-out model that reaches itself through in-process members would
    /// recurse without end; such models answer FAILED_PRECONDITION instead.
    /// (Through remote members a cycle is bounded: each hop passes on a
    /// shrinking deadline.)
    private static func rejectInProcessCycles(_ models: inout [String: Entry]) {
        let original = models // judge every model against the same graph
        func next(_ model: String) -> [(member: String, model: String)] {
            guard case .success(let c)? = original[model]?.config else { return [] }
            return c.members.filter { $0.endpoint == nil && original[$0.model] != nil }.map { ($0.name, $0.model) }
        }
        for name in models.keys.sorted() {
            guard case .success = models[name]!.config else { continue }
            // Depth-first from `name`, looking for a path back to it.
            var stack: [(model: String, path: [String])] = [(name, [name])]
            var seen: Set<String> = []
            var cycle: [String]?
            while let (model, path) = stack.popLast(), cycle == nil {
                for edge in next(model) {
                    if edge.model == name { cycle = path + [name]; break }
                    if seen.insert(edge.model).inserted { stack.append((edge.model, path + [edge.model])) }
                }
            }
            if let cycle {
                models[name]!.config = .failure(FanOutConfigError(model: name, problem:
                    "in-process members lead back to the model itself (\(cycle.joined(separator: " -> "))); "
                    + "give one of them an endpoint or remove the cycle"))
            }
        }
    }

    private func scheduleRefresh() {
        loops[0].schedule(after: refreshInterval) { [weak self] in
            guard let self, !self.state.withLock({ $0.stopped }) else { return }
            self.refresh()
            self.scheduleRefresh()
        }
    }
}

/// One fan-out member's state, as health pages report it.
public struct FanOutMemberHealth: Sendable, Equatable {
    public enum State: String, Sendable {
        /// Served by this process, and its model is AVAILABLE.
        case inProcess = "in_process"
        /// At least one pooled connection is open.
        case connected
        /// No connection (refused, lost, reconnecting) or, in-process, no AVAILABLE version.
        case unreachable
        /// The fan-out model's config is broken (`lastError` says why; `member` is empty).
        case misconfigured
    }

    /// The fan-out model.
    public var model: String
    /// The member's name in the config.
    public var member: String
    /// The model the member serves.
    public var memberModel: String
    /// Where it listens; nil = in this process.
    public var endpoint: Endpoint?
    public var state: State
    /// Pooled connections open now, out of `poolSize`.
    public var connections: Int
    public var poolSize: Int
    /// The latest connection error while not fully connected.
    public var lastError: String?
}

/// Whether a fan-out model can answer now, from its members' health.
public struct FanOutModelReadiness: Sendable, Equatable {
    public var model: String
    /// `require_all`: every member is reachable; `best_effort`: at least one is.
    public var ready: Bool
    /// The unreachable members and why, or the config problem; nil when all is well.
    public var problem: String?
}

extension FanOutAggregator {
    /// Each fan-out model's readiness, sorted by model name (for ListModels
    /// and health pages).
    public func readiness() -> [FanOutModelReadiness] {
        var byModel: [String: [FanOutMemberHealth]] = [:]
        var order: [String] = []
        for member in memberHealth() {
            if byModel[member.model] == nil { order.append(member.model) }
            byModel[member.model, default: []].append(member)
        }
        return order.map { model in
            let members = byModel[model]!
            if let broken = members.first(where: { $0.state == .misconfigured }) {
                return FanOutModelReadiness(model: model, ready: false, problem: broken.lastError)
            }
            let down = members.filter { $0.state == .unreachable }
            let bestEffort = (try? lookup(model)?.get().failure) == .bestEffort
            let ready = down.isEmpty || (bestEffort && down.count < members.count)
            let problem = down.isEmpty ? nil : "unreachable member(s): " + down.map { m in
                "\(m.member) (\(m.endpoint.map { "\($0)" } ?? "in-process")\(m.lastError.map { ": \($0)" } ?? ""))"
            }.joined(separator: ", ")
            return FanOutModelReadiness(model: model, ready: ready, problem: problem)
        }
    }
}
