import ModelRuntime
import Wire

/// Requests encoded once, before the run, so the load generator spends its
/// CPU on sending and not on protobuf or JSON encoding.
///
/// Binary requests are encoded with id 0, which proto3 leaves out; each call
/// gets its own id appended to a copy (``Wire/EnvelopeID/appending(id:to:)``). Protobuf parsers
/// accept fields in any order, so the result is the same message as encoding
/// with that id.
public struct RequestTemplates: Sendable {
    /// Encoded `Request`s without an id, by workload kind, cycled per call.
    public let binary: [WorkloadKind: [[UInt8]]]
    /// Complete HTTP/1.1 requests (headers and JSON body), cycled per call.
    public let http: [[UInt8]]
    /// Rows in each request.
    public let batch: Int
    /// Sent with every request, including the GetJob polls; nil sends none.
    public let token: String?

    /// Different batches prepared (requests cycle through them).
    public static let variety = 64

    /// Binary templates for the kinds of `configuration`'s mix.
    public init(binaryFor configuration: BenchConfiguration, rows: RowSource, inputName: String, variety: Int = variety) {
        let batches = rows.batches(of: configuration.batch, limit: variety)
        var binary: [WorkloadKind: [[UInt8]]] = [:]
        for kind in configuration.kinds {
            let model = kind == .fanout ? (configuration.fanOutModel ?? configuration.model) : configuration.model
            binary[kind] = batches.map { batch in
                let tensor = Tensor(shape: [batch.count, rows.features], floats: batch.flatMap { $0 })
                let predict = PredictRequest(modelSpec: ModelSpec(name: model), inputs: [NamedTensor(inputName, tensor)])
                let call: Request.Call = kind == .submit ? .submit(SubmitRequest(request: predict)) : .predict(predict)
                var bytes: [UInt8] = []
                ProtobufCodec.encode(Request(id: 0, call: call, authToken: configuration.token), into: &bytes)
                return bytes
            }
        }
        self.binary = binary
        self.http = []
        self.batch = configuration.batch
        self.token = configuration.token
    }

    /// HTTP templates: `POST path` with a TF-Serving row-format body
    /// `{"instances": [[...], ...]}`.
    public init(httpHost host: String, port: Int, path: String, rows: RowSource, batch: Int, variety: Int = variety,
                token: String? = nil) {
        let batches = rows.batches(of: batch, limit: variety)
        let hostHeader = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        let authorization = token.map { "Authorization: Bearer \($0)\r\n" } ?? ""
        self.http = batches.map { batch in
            let body = Self.instancesJSON(batch)
            let head = "POST \(path) HTTP/1.1\r\nHost: \(hostHeader)\r\nContent-Type: application/json\r\n" + authorization
                + "Content-Length: \(body.utf8.count)\r\n\r\n"
            return Array(head.utf8) + Array(body.utf8)
        }
        self.binary = [:]
        self.batch = batch
        self.token = token
    }

    /// `{"instances": [[5.1, 3.5], [...]]}` with shortest round-trip floats.
    static func instancesJSON(_ rows: [[Float]]) -> String {
        "{\"instances\": [" + rows.map { row in "[" + row.map { "\($0)" }.joined(separator: ", ") + "]" }.joined(separator: ", ") + "]}"
    }

    /// An encoded GetJob request.
    static func getJob(_ jobID: String, id: UInt64, token: String?) -> [UInt8] {
        var bytes: [UInt8] = []
        ProtobufCodec.encode(Request(id: id, call: .getJob(GetJobRequest(jobId: jobID)), authToken: token), into: &bytes)
        return bytes
    }
}
