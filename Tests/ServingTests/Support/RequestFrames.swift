import ModelRuntime
import Transport
import Wire

/// Builders for the requests the process tests send.
enum RequestFrames {
    /// The first iris fixture row (setosa).
    static let irisRow: [Float] = [5.1, 3.5, 1.4, 0.2]

    static func predictIris(id: UInt64, rows: [[Float]] = [irisRow], model: String = "iris",
                            version: Int64? = nil, timeoutMs: UInt32 = 0) -> Request {
        let tensor = Tensor(shape: [rows.count, 4], floats: rows.flatMap { $0 })
        let predict = PredictRequest(modelSpec: ModelSpec(name: model, version: version),
                                     inputs: [NamedTensor("input", tensor)])
        return Request(id: id, call: .predict(predict), timeoutMs: timeoutMs)
    }

    /// The request's protobuf payload (no frame header).
    static func payload(_ request: Request) -> [UInt8] {
        var bytes: [UInt8] = []
        ProtobufCodec.encode(request, into: &bytes)
        return bytes
    }

    static func decode(_ payload: [UInt8]) throws -> Response {
        try payload.withUnsafeBytes { ProtobufCodec.decodeResponse($0) }.get()
    }
}

extension BlockingFrameClient {
    /// Sends one request and decodes the one response.
    func roundTrip(_ request: Request) throws -> Response {
        try RequestFrames.decode(call(RequestFrames.payload(request)))
    }
}
