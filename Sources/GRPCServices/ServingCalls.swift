import Auth
import GRPC
import Wire

/// How the gRPC services run swerve calls: through the same
/// ``CallHandler`` the REST adapter uses (the in-process dispatcher), after
/// the same token and rate-limit gate, with the caller's `grpc-timeout` as
/// the call's deadline.
struct ServingCalls: Sendable {
    let handler: any CallHandler
    let gate: AccessGate?

    /// Runs `call` and answers `responder` with what `answer` makes of its
    /// result, or with the call's failure status.
    func run(_ call: Request.Call, _ context: GRPCCallContext, _ responder: GRPCResponder,
             answer: @escaping @Sendable (Response.CallResult) throws(GRPCStatus) -> [UInt8]) {
        let token = context.authorization.map { BearerToken.parse($0) }
        let request = Request(id: 0, call: call, timeoutMs: context.timeoutMs, authToken: token)
        if let gate, let refusal = gate.admit(request, peer: context.peer) {
            return responder.fail(GRPCStatus(refusal.code, refusal.message))
        }
        handler.handle(request, deadline: request.deadline(receivedAt: .now)) { response in
            guard response.status.isOK, let result = response.result else {
                let status = response.status.isOK ? Status(.internal, "the call returned no result") : response.status
                return responder.fail(GRPCStatus(status.code, status.message))
            }
            do throws(GRPCStatus) {
                responder.succeed(try answer(result))
            } catch {
                responder.fail(error)
            }
        }
    }

    /// Runs the call `decode` makes of the request, or answers with the
    /// status saying why the request makes none.
    func run(_ context: GRPCCallContext, _ responder: GRPCResponder, decode: () throws(GRPCStatus) -> Request.Call,
             answer: @escaping @Sendable (Response.CallResult) throws(GRPCStatus) -> [UInt8]) {
        let call: Request.Call
        do throws(GRPCStatus) {
            call = try decode()
        } catch {
            return responder.fail(error)
        }
        run(call, context, responder, answer: answer)
    }

    /// A Predict built from the model's metadata (Classify and Regress need
    /// its inputs and feature names): the metadata lookup is checked against
    /// the predict scope but not rate-limited, the Predict pays that.
    func predictWithMetadata(_ spec: ModelSpec, _ context: GRPCCallContext, _ responder: GRPCResponder,
                             build: @escaping @Sendable (GetModelMetadataResponse) throws(GRPCStatus) -> PredictRequest,
                             answer: @escaping @Sendable (PredictResponse, GetModelMetadataResponse) throws(GRPCStatus) -> [UInt8]) {
        let token = context.authorization.map { BearerToken.parse($0) }
        if let gate, let refusal = gate.admit(token: token, scope: .predict, call: "get_model_metadata", peer: context.peer,
                                              rateLimited: false) {
            return responder.fail(GRPCStatus(refusal.code, refusal.message))
        }
        let lookup = Request(id: 0, call: .getModelMetadata(GetModelMetadataRequest(modelSpec: spec)), timeoutMs: context.timeoutMs,
                             authToken: token)
        handler.handle(lookup, deadline: lookup.deadline(receivedAt: .now)) { response in
            guard response.status.isOK, case .getModelMetadata(let meta)? = response.result else {
                return responder.fail(GRPCStatus(response.status.isOK ? .internal : response.status.code, response.status.message))
            }
            let predict: PredictRequest
            do throws(GRPCStatus) {
                predict = try build(meta)
            } catch {
                return responder.fail(error)
            }
            run(.predict(predict), context, responder) { result throws(GRPCStatus) in
                guard case .predict(let p) = result else { throw Self.unexpected("predict") }
                return try answer(p, meta)
            }
        }
    }

    /// The status for a result of the wrong kind: a server bug, said plainly.
    static func unexpected(_ call: String) -> GRPCStatus {
        GRPCStatus(.internal, "\(call): the server answered with an unexpected result")
    }
}
