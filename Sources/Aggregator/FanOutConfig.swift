import ModelServer
import TextFormats

/// A fan-out model's settings: the `fan_out` section of its config.json.
///
/// ```json
/// {"fan_out": {
///    "aggregate": "best_label",
///    "failure": "require_all",
///    "timeout_ms": 1000,
///    "pool_size": 4,
///    "members": [
///      {"name": "setosa", "model": "iris-setosa", "endpoint": "10.0.0.5:8500", "positive_label": "1"}
///    ]}}
/// ```
/// Every key but `members` (and each member's `name`) is optional; unknown
/// keys are errors, so a typo never silently falls back to a default.
public struct FanOutConfig: Sendable, Equatable {
    /// How members' answers become one answer.
    public enum Aggregate: String, Sendable, CaseIterable {
        /// Every member's outputs, renamed `<member>/<output>`.
        case collect
        /// The member whose positive-class probability is highest wins, per row.
        case bestLabel = "best_label"
        /// The element-wise mean of the members' probability (or first float) output.
        case mean
        /// The most frequent `label` per row.
        case vote
    }

    /// What happens when members fail or time out.
    public enum Failure: String, Sendable, CaseIterable {
        /// Any failed member fails the call with UNAVAILABLE naming it.
        case requireAll = "require_all"
        /// Answer from the members that replied, plus an `errors` output.
        case bestEffort = "best_effort"
    }

    /// One member service.
    public struct Member: Sendable, Equatable {
        /// Unique within the fan-out model; prefixes its outputs (`<name>/…`).
        public var name: String
        /// The model the member serves (default: `name`).
        public var model: String
        /// Where the member listens; nil = served in this process.
        public var endpoint: Endpoint?
        /// What `best_label` answers when this member wins (default: `name`).
        public var label: String
        /// The class whose probability `best_label` compares (default: the
        /// class label that is not 0/false).
        public var positiveLabel: String?
        /// Bound on this member's answer (default: the section's `timeout_ms`).
        public var timeout: Duration
        /// A fixed version of the member model; nil = its newest.
        public var version: Int64?
    }

    public var members: [Member]
    public var aggregate: Aggregate
    public var failure: Failure
    /// Persistent connections per remote member endpoint.
    public var poolSize: Int
    /// The output `best_label` and `mean` read (default: the first ZipMap
    /// output, i.e. one with an `X:labels` companion, else the first float output).
    public var probabilityOutput: String?
    /// The output `vote` counts (default `label`).
    public var labelOutput: String

    /// The default per-member timeout.
    public static let defaultTimeoutMs: Int64 = 1000
    /// The default number of pooled connections per member endpoint.
    public static let defaultPoolSize = 4

    /// Parses a model's `fan_out` section. `model` and `file` only name things in errors.
    public static func parse(_ value: JSON, model: String) throws -> FanOutConfig {
        func fail(_ problem: String) -> FanOutConfigError { FanOutConfigError(model: model, problem: problem) }
        guard let sectionKeys = value.objectMembers?.map(\.0) else {
            throw fail("\"fan_out\" must be an object, got \(value.kindName)")
        }
        let section = value
        let known: Set<String> = ["members", "aggregate", "failure", "timeout_ms", "pool_size",
                                  "probability_output", "label_output"]
        for key in sectionKeys.sorted() where !known.contains(key) {
            throw fail("\"fan_out\" has unknown key \"\(key)\"; known keys: \(known.sorted().joined(separator: ", "))")
        }

        let aggregate = try parseEnum(section["aggregate"], key: "aggregate", default: Aggregate.collect, fail: fail)
        let failure = try parseEnum(section["failure"], key: "failure", default: Failure.requireAll, fail: fail)
        let timeoutMs = try positiveInteger(section["timeout_ms"], key: "\"fan_out\".timeout_ms", max: 3_600_000, fail: fail)
            ?? defaultTimeoutMs
        let poolSize = try positiveInteger(section["pool_size"], key: "\"fan_out\".pool_size", max: 1024, fail: fail)
            .map(Int.init) ?? defaultPoolSize
        let probabilityOutput = try string(section["probability_output"], key: "\"fan_out\".probability_output", fail: fail)
        let labelOutput = try string(section["label_output"], key: "\"fan_out\".label_output", fail: fail) ?? "label"

        guard let membersValue = section["members"] else { throw fail("\"fan_out\".members is required") }
        guard case .array(let items) = membersValue, !items.isEmpty else {
            throw fail("\"fan_out\".members must be a non-empty array of objects, got \(membersValue.kindName)")
        }
        var members: [Member] = []
        for (index, item) in items.enumerated() {
            let member = try parseMember(item, index: index, defaultTimeoutMs: timeoutMs, fail: fail)
            if members.contains(where: { $0.name == member.name }) {
                throw fail("\"fan_out\".members[\(index)]: duplicate member name \"\(member.name)\"")
            }
            members.append(member)
        }
        return FanOutConfig(members: members, aggregate: aggregate, failure: failure, poolSize: poolSize,
                            probabilityOutput: probabilityOutput, labelOutput: labelOutput)
    }

    /// This config with member endpoints replaced: `overrides` maps a member
    /// name, or `model/member`, to an endpoint (the latter wins).
    public func applying(overrides: [String: Endpoint], model: String) -> FanOutConfig {
        var copy = self
        for i in copy.members.indices {
            let name = copy.members[i].name
            if let endpoint = overrides["\(model)/\(name)"] ?? overrides[name] {
                copy.members[i].endpoint = endpoint
            }
        }
        return copy
    }

    private static func parseMember(_ item: JSON, index: Int, defaultTimeoutMs: Int64,
                                    fail: (String) -> FanOutConfigError) throws -> Member {
        let at = "\"fan_out\".members[\(index)]"
        guard let keys = item.objectMembers?.map(\.0) else {
            throw fail("\(at) must be an object, got \(item.kindName)")
        }
        let fields = item
        let known: Set<String> = ["name", "model", "endpoint", "label", "positive_label", "timeout_ms", "version"]
        for key in keys.sorted() where !known.contains(key) {
            throw fail("\(at) has unknown key \"\(key)\"; known keys: \(known.sorted().joined(separator: ", "))")
        }
        guard let name = try string(fields["name"], key: "\(at).name", fail: fail), !name.isEmpty else {
            throw fail("\(at).name is required (a non-empty string)")
        }
        guard !name.contains("/") else { throw fail("\(at).name \"\(name)\" must not contain '/'") }
        let model = try string(fields["model"], key: "\(at).model", fail: fail) ?? name
        guard !model.isEmpty else { throw fail("\(at).model must not be empty") }
        var endpoint: Endpoint?
        if let text = try string(fields["endpoint"], key: "\(at).endpoint", fail: fail) {
            guard let parsed = Endpoint(text) else {
                throw fail("\(at).endpoint \"\(text)\" is not HOST:PORT (IPv6 in brackets, port 1...65535)")
            }
            endpoint = parsed
        }
        let label = try string(fields["label"], key: "\(at).label", fail: fail) ?? name
        var positive: String?
        switch fields["positive_label"] {
        case nil: positive = nil
        case .string(let s)?: positive = s
        case .number(let n)? where n.int64 != nil: positive = n.text
        case .bool(let b)?: positive = String(b)
        case let other?: throw fail("\(at).positive_label must be a string, integer or boolean, got \(other.kindName)")
        }
        let timeoutMs = try positiveInteger(fields["timeout_ms"], key: "\(at).timeout_ms", max: 3_600_000, fail: fail)
            ?? defaultTimeoutMs
        let version = try positiveInteger(fields["version"], key: "\(at).version", max: Int64.max, fail: fail)
        return Member(name: name, model: model, endpoint: endpoint, label: label, positiveLabel: positive,
                      timeout: .milliseconds(timeoutMs), version: version)
    }

    private static func parseEnum<E: RawRepresentable & CaseIterable>(
        _ value: JSON?, key: String, default fallback: E, fail: (String) -> FanOutConfigError
    ) throws -> E where E.RawValue == String {
        guard let value else { return fallback }
        let choices = E.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        guard case .string(let s) = value, let parsed = E(rawValue: s) else {
            throw fail("\"fan_out\".\(key) must be one of \(choices), got \(value.shortDescription)")
        }
        return parsed
    }

    private static func positiveInteger(_ value: JSON?, key: String, max: Int64,
                                        fail: (String) -> FanOutConfigError) throws -> Int64? {
        guard let value else { return nil }
        guard let n = value.int64Value, n > 0, n <= max else {
            throw fail("\(key) must be a positive integer (at most \(max)), got \(value.shortDescription)")
        }
        return n
    }

    private static func string(_ value: JSON?, key: String, fail: (String) -> FanOutConfigError) throws -> String? {
        guard let value else { return nil }
        guard case .string(let s) = value else { throw fail("\(key) must be a string, got \(value.kindName)") }
        return s
    }
}

/// A `fan_out` section that cannot be used; names the model and the key.
public struct FanOutConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var model: String
    public var problem: String

    public init(model: String, problem: String) {
        self.model = model
        self.problem = problem
    }

    public var description: String { "fan-out model '\(model)': \(problem)" }
}
