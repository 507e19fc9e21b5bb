import Foundation

/// config.json could not be used: not JSON, not an object, or a known key
/// with the wrong type or value. The message names the file and the key.
public struct ModelConfigError: Error, Sendable, CustomStringConvertible {
    /// The config file concerned.
    public var file: String
    /// What is wrong, e.g. `"max_batch_size" must be a positive integer, got a string`.
    public var problem: String

    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }

    public var description: String { "\(file): \(problem)" }
}

extension ModelConfig {
    /// Parses the contents of a config.json. `file` only names it in errors.
    ///
    /// Known keys are checked strictly (a wrong type is an error, never
    /// ignored); other keys are kept in `raw` as they are.
    public static func parse(_ bytes: some Collection<UInt8>, file: String) throws -> ModelConfig {
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw ModelConfigError(file: file, problem: "not valid JSON (\(Self.describe(error)))")
        } catch {
            throw ModelConfigError(file: file, problem: "not valid JSON (\(error))")
        }
        guard case .object(let object) = value else {
            throw ModelConfigError(file: file, problem: "must hold a JSON object, found \(value.typeName)")
        }
        func fail(_ problem: String) -> ModelConfigError { ModelConfigError(file: file, problem: problem) }

        var config = ModelConfig(raw: object)

        if let labels = object["labels"] {
            guard case .array(let items) = labels else {
                throw fail("\"labels\" must be an array of strings, got \(labels.typeName)")
            }
            config.classLabels = try items.enumerated().map { index, item in
                guard case .string(let s) = item else {
                    throw fail("\"labels\"[\(index)] must be a string, got \(item.typeName)")
                }
                return s
            }
        }

        if let policy = object["version_policy"] {
            config.versionPolicy = try parsePolicy(policy, fail: fail)
        }

        if let labels = object["version_labels"] {
            guard case .object(let members) = labels else {
                throw fail("\"version_labels\" must be an object of label: version, got \(labels.typeName)")
            }
            for (label, target) in members {
                guard !label.isEmpty else { throw fail("\"version_labels\" has an empty label") }
                guard case .integer(let v) = target, v > 0 else {
                    throw fail("\"version_labels\".\(label) must be a positive integer version, got \(Self.show(target))")
                }
                config.versionLabels[label] = v
            }
        }

        if let batch = object["max_batch_size"] {
            guard case .integer(let n) = batch, n > 0, n <= Int64(Int32.max) else {
                throw fail("\"max_batch_size\" must be a positive integer, got \(Self.show(batch))")
            }
            config.maxBatchSize = Int(n)
        }
        config.featureNames = try parseFeatureNames(object["feature_names"], fail: fail)
        return config
    }

    private static func parseFeatureNames(_ value: JSONValue?, fail: (String) -> ModelConfigError) throws -> [String] {
        guard let value else { return [] }
        guard case .array(let items) = value, !items.isEmpty else {
            throw fail("\"feature_names\" must be a non-empty array of strings (one per input column), got \(show(value))")
        }
        var names: [String] = []
        for (index, item) in items.enumerated() {
            guard case .string(let name) = item, !name.isEmpty else {
                throw fail("\"feature_names\"[\(index)] must be a non-empty string, got \(show(item))")
            }
            guard !names.contains(name) else { throw fail("\"feature_names\" lists \"\(name.prefix(40))\" twice") }
            names.append(name)
        }
        return names
    }

    private static func parsePolicy(_ value: JSONValue, fail: (String) -> ModelConfigError) throws -> VersionPolicy {
        let expected = "{\"latest\": N}, {\"all\": true} or {\"specific\": [versions]}"
        guard case .object(let members) = value, members.count == 1, let (key, argument) = members.first else {
            throw fail("\"version_policy\" must be exactly one of \(expected), got \(show(value))")
        }
        switch key {
        case "latest":
            guard case .integer(let n) = argument, n > 0, n <= Int64(Int32.max) else {
                throw fail("\"version_policy\".latest must be a positive integer, got \(show(argument))")
            }
            return .latest(Int(n))
        case "all":
            guard argument == .bool(true) else {
                throw fail("\"version_policy\".all must be true, got \(show(argument))")
            }
            return .all
        case "specific":
            guard case .array(let items) = argument, !items.isEmpty else {
                throw fail("\"version_policy\".specific must be a non-empty array of positive integers, got \(show(argument))")
            }
            var versions: [Int64] = []
            for (index, item) in items.enumerated() {
                guard case .integer(let v) = item, v > 0 else {
                    throw fail("\"version_policy\".specific[\(index)] must be a positive integer, got \(show(item))")
                }
                if !versions.contains(v) { versions.append(v) }
            }
            return .specific(versions)
        default:
            throw fail("\"version_policy\" has unknown key \"\(key)\"; expected \(expected)")
        }
    }

    /// A value for an error message: short scalars verbatim, containers by type.
    private static func show(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return String(b)
        case .integer(let i): return String(i)
        case .number(let d): return String(d)
        case .string(let s): return "\"\(s.prefix(40))\""
        case .array, .object: return value.typeName
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context), .typeMismatch(_, let context),
             .valueNotFound(_, let context), .keyNotFound(_, let context):
            if let underlying = context.underlyingError {
                return "\(underlying)"
            }
            return context.debugDescription
        @unknown default:
            return "\(error)"
        }
    }
}
