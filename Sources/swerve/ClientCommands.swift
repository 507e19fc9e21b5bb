import TextFormats
import ArgumentParser
import ModelRuntime
import SwerveClient
import Wire

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a model on rows of data and print its outputs as JSON.")

    @OptionGroup var client: ClientOptions
    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "Input rows as JSON, e.g. '[[5.1,3.5,1.4,0.2]]' (\"NaN\" for a missing value).")
    var data: String

    @Option(help: "Input name (default: the model's only input).")
    var input: String?

    @Option(name: .customLong("output"), help: "Return only this output (repeatable).")
    var outputs: [String] = []

    @Option(help: "Deadline the server enforces, in milliseconds (0: none).")
    var timeoutMs: UInt32 = 0

    func run() throws {
        try client.withClient { swerve in
            // The metadata says which input to fill and with which element type.
            let metadata = try swerve.metadata(modelOptions.spec)
            let info: TensorInfo
            if let input {
                guard let found = metadata.inputs.first(where: { $0.name == input }) else {
                    throw ValidationError("model '\(modelOptions.model)' has no input '\(input)' (inputs: \(metadata.inputs.map(\.name).joined(separator: ", ")))")
                }
                info = found
            } else {
                guard metadata.inputs.count == 1, let only = metadata.inputs.first else {
                    throw ValidationError("model '\(modelOptions.model)' has \(metadata.inputs.count) inputs (\(metadata.inputs.map(\.name).joined(separator: ", "))): choose one with --input")
                }
                info = only
            }
            let tensor = try InputParsing.tensor(fromJSON: data, dtype: info.dtype, inputName: info.name)
            let request = PredictRequest(modelSpec: modelOptions.spec, inputs: [NamedTensor(info.name, tensor)],
                                         outputFilter: outputs)
            let response = try swerve.predict(request, timeoutMs: timeoutMs)
            print(JSONWriter.predictResponse(response))
        }
    }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the state of a model's versions.")

    @OptionGroup var client: ClientOptions
    @OptionGroup var modelOptions: ModelOptions

    func run() throws {
        try client.withClient { swerve in printVersions(try swerve.modelStatus(modelOptions.spec)) }
    }
}

struct Metadata: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a model's inputs, outputs, labels and versions.")

    @OptionGroup var client: ClientOptions
    @OptionGroup var modelOptions: ModelOptions

    func run() throws {
        try client.withClient { swerve in
            let m = try swerve.metadata(modelOptions.spec)
            var json = JSONWriter()
            json.raw("{\"model\": ")
            json.string(m.modelSpec.name)
            if let v = m.modelSpec.version { json.raw(", \"version\": "); json.int(Int64(v)) }
            json.raw(", \"inputs\": ")
            json.tensorInfos(m.inputs)
            json.raw(", \"outputs\": ")
            json.tensorInfos(m.outputs)
            json.raw(", \"class_labels\": [")
            for (i, label) in m.classLabels.enumerated() {
                if i > 0 { json.raw(", ") }
                json.string(label)
            }
            json.raw("], \"versions\": [")
            for (i, version) in m.versions.enumerated() {
                if i > 0 { json.raw(", ") }
                json.int(version)
            }
            json.raw("], \"version_labels\": {")
            for (i, (label, version)) in m.versionLabels.sorted(by: { $0.key < $1.key }).enumerated() {
            if i > 0 { json.raw(", ") }
            json.string(label)
            json.raw(": ")
            json.int(Int64(version))
            }
            json.raw("}, \"producer\": ")
            json.string(m.producer)
            if m.maxBatchSize > 0 { json.raw(", \"max_batch_size\": "); json.int(Int64(m.maxBatchSize)) }
            json.raw("}")
            print(json.text)
        }
    }
}

struct Models: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the models the server knows, with their versions.")

    @OptionGroup var client: ClientOptions

    func run() throws {
        try client.withClient { swerve in
            let list = try swerve.listModels()
            var json = JSONWriter()
            json.raw("{\"models\": [")
            for (i, model) in list.models.enumerated() {
                if i > 0 { json.raw(", ") }
                json.raw("{\"name\": ")
                json.string(model.name)
                json.raw(", \"versions\": ")
                json.versionStatuses(model.versions)
                json.raw("}")
            }
            json.raw("]}")
            print(json.text)
        }
    }
}

struct Health: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Exit 0 when the server is serving, 1 otherwise (a container health check).")

    @OptionGroup var client: ClientOptions

    func run() throws {
        try client.withClient { swerve in
            let health = try swerve.health()
            print("{\"serving\": \(health.serving), \"version\": \"\(health.version)\", \"models_available\": \(health.modelsAvailable), \"models_total\": \(health.modelsTotal)}")
            if !health.serving { throw ExitCode(1) }
        }
    }
}

extension JSONWriter {
    mutating func versionStatuses(_ versions: [ModelVersionStatus]) {
        raw("[")
        for (i, v) in versions.enumerated() {
            if i > 0 { raw(", ") }
            raw("{\"version\": ")
            int(Int64(v.version))
            raw(", \"state\": ")
            string(v.state.name)
            if !v.status.isOK {
                raw(", \"error\": ")
                string(v.status.message)
            }
            if !v.labels.isEmpty {
                raw(", \"labels\": [")
                for (j, label) in v.labels.enumerated() {
                    if j > 0 { raw(", ") }
                    string(label)
                }
                raw("]")
            }
            raw("}")
        }
        raw("]")
    }

    mutating func tensorInfos(_ infos: [TensorInfo]) {
        raw("[")
        for (i, info) in infos.enumerated() {
            if i > 0 { raw(", ") }
            raw("{\"name\": ")
            string(info.name)
            raw(", \"dtype\": ")
            string(info.dtype.protoName)
            raw(", \"shape\": [")
            for (j, dim) in info.shape.enumerated() {
                if j > 0 { raw(", ") }
                int(Int64(dim))
            }
            raw("], \"kind\": ")
            string(info.kind.rawValue)
            raw("}")
        }
        raw("]")
    }
}

extension ModelVersionStatus.State {
    /// TF Serving's state name, e.g. "AVAILABLE".
    var name: String {
        switch self {
        case .unknown: return "UNKNOWN"
        case .start: return "START"
        case .loading: return "LOADING"
        case .available: return "AVAILABLE"
        case .unloading: return "UNLOADING"
        case .end: return "END"
        case .failed: return "FAILED"
        }
    }
}
