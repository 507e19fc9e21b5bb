import Wire

/// How a job's request and result are stored outside the process (Redis):
/// the binary protocol's own envelopes, so nothing new has to be versioned.
enum JobCodec {
    static func encode(_ request: PredictRequest) -> [UInt8] {
        var bytes: [UInt8] = []
        ProtobufCodec.encode(Request(id: 0, call: .predict(request)), into: &bytes)
        return bytes
    }

    static func decodeRequest(_ bytes: [UInt8]) -> Result<PredictRequest, WireError> {
        switch bytes.withUnsafeBytes({ ProtobufCodec.decodeRequest($0) }) {
        case .success(let r):
            guard case .predict(let p) = r.call else {
                return .failure(WireError(.internal, "stored job request is a \(r.call.name), not a predict"))
            }
            return .success(p)
        case .failure(let e):
            return .failure(WireError(.internal, "stored job request does not decode: \(e.message)"))
        }
    }

    static func encode(_ response: PredictResponse) -> [UInt8] {
        var bytes: [UInt8] = []
        ProtobufCodec.encode(Response.success(id: 0, .predict(response)), into: &bytes)
        return bytes
    }

    static func decodeResponse(_ bytes: [UInt8]) -> Result<PredictResponse, WireError> {
        switch bytes.withUnsafeBytes({ ProtobufCodec.decodeResponse($0) }) {
        case .success(let r):
            guard case .predict(let p)? = r.result else {
                return .failure(WireError(.internal, "stored job result is not a predict response"))
            }
            return .success(p)
        case .failure(let e):
            return .failure(WireError(.internal, "stored job result does not decode: \(e.message)"))
        }
    }
}
