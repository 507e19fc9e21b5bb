import TextFormats

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
        let copy = Array(bytes)
        let parsed: Result<JSON, JSONError> = copy.withUnsafeBytes { raw in
            do throws(JSONError) { return .success(try JSONParser.parse(raw)) } catch { return .failure(error) }
        }
        let value: JSON
        switch parsed {
        case .success(let v): value = v
        case .failure(let error): throw ModelConfigError(file: file, problem: "not valid JSON (\(error))")
        }
        guard value.isObject else {
            throw ModelConfigError(file: file, problem: "must hold a JSON object, found \(value.kindName)")
        }
        let object = value
        func fail(_ problem: String) -> ModelConfigError { ModelConfigError(file: file, problem: problem) }

        var config = ModelConfig(raw: value)

        if let labels = object["labels"] {
            guard case .array(let items) = labels else {
                throw fail("\"labels\" must be an array of strings, got \(labels.kindName)")
            }
            config.classLabels = try items.enumerated().map { index, item in
                guard case .string(let s) = item else {
                    throw fail("\"labels\"[\(index)] must be a string, got \(item.kindName)")
                }
                return s
            }
        }

        if let policy = object["version_policy"] {
            config.versionPolicy = try parsePolicy(policy, fail: fail)
        }

        if let labels = object["version_labels"] {
            guard case .object(let members) = labels else {
                throw fail("\"version_labels\" must be an object of label: version, got \(labels.kindName)")
            }
            for (label, target) in members {
                guard !label.isEmpty else { throw fail("\"version_labels\" has an empty label") }
                guard let v = target.int64Value, v > 0 else {
                    throw fail("\"version_labels\".\(label) must be a positive integer version, got \(target.shortDescription)")
                }
                config.versionLabels[label] = v
            }
        }

        if let batch = object["max_batch_size"] {
            guard let n = batch.int64Value, n > 0, n <= Int64(Int32.max) else {
                throw fail("\"max_batch_size\" must be a positive integer, got \(batch.shortDescription)")
            }
            config.maxBatchSize = Int(n)
        }
        if let cache = object["cache"] {
            config.cache = try CacheSettings.parse(cache, fail: fail)
        }
        if let batching = object["batching"] {
            config.batching = try BatchingSettings.parse(batching, fail: fail)
        }
        config.featureNames = try parseFeatureNames(object["feature_names"], fail: fail)
        if let missing = object["accepts_missing_values"] {
            guard case .bool(let accepts) = missing else {
                throw fail("\"accepts_missing_values\" must be true or false, got \(missing.shortDescription)")
            }
            config.acceptsMissingValues = accepts
        }
        return config
    }

    private static func parseFeatureNames(_ value: JSON?, fail: (String) -> ModelConfigError) throws -> [String] {
        guard let value else { return [] }
        guard let items = value.arrayValue, !items.isEmpty else {
            throw fail("\"feature_names\" must be a non-empty array of strings (one per input column), got \(value.shortDescription)")
        }
        var names: [String] = []
        for (index, item) in items.enumerated() {
            guard let name = item.stringValue, !name.isEmpty else {
                throw fail("\"feature_names\"[\(index)] must be a non-empty string, got \(item.shortDescription)")
            }
            guard !names.contains(name) else { throw fail("\"feature_names\" lists \"\(name.prefix(40))\" twice") }
            names.append(name)
        }
        return names
    }

    private static func parsePolicy(_ value: JSON, fail: (String) -> ModelConfigError) throws -> VersionPolicy {
        let expected = "{\"latest\": N}, {\"all\": true} or {\"specific\": [versions]}"
        guard let members = value.objectMembers, members.count == 1, let (key, argument) = members.first else {
            throw fail("\"version_policy\" must be exactly one of \(expected), got \(value.shortDescription)")
        }
        switch key {
        case "latest":
            guard let n = argument.int64Value, n > 0, n <= Int64(Int32.max) else {
                throw fail("\"version_policy\".latest must be a positive integer, got \(argument.shortDescription)")
            }
            return .latest(Int(n))
        case "all":
            guard argument == .bool(true) else {
                throw fail("\"version_policy\".all must be true, got \(argument.shortDescription)")
            }
            return .all
        case "specific":
            guard case .array(let items) = argument, !items.isEmpty else {
                throw fail("\"version_policy\".specific must be a non-empty array of positive integers, got \(argument.shortDescription)")
            }
            var versions: [Int64] = []
            for (index, item) in items.enumerated() {
                guard let v = item.int64Value, v > 0 else {
                    throw fail("\"version_policy\".specific[\(index)] must be a positive integer, got \(item.shortDescription)")
                }
                if !versions.contains(v) { versions.append(v) }
            }
            return .specific(versions)
        default:
            throw fail("\"version_policy\" has unknown key \"\(key)\"; expected \(expected)")
        }
    }
}
