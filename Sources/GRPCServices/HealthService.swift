import Auth
import CGRPCServiceProto
import GRPC
import Primitives
import Wire

/// `grpc.health.v1.Health/Check`, what Kubernetes gRPC probes and
/// `grpc_health_probe` call: SERVING once every model has an AVAILABLE
/// version or has FAILED (Health's `serving`), else NOT_SERVING; the empty
/// service name asks about the server, a served service's name about that
/// service, any other name is NOT_FOUND. Open without a token, like REST's
/// health routes. Watch answers UNIMPLEMENTED.
struct HealthService: Sendable {
    let handler: any CallHandler
    let serviceNames: Set<String>

    var service: GRPCService {
        GRPCService(name: "grpc.health.v1.Health", methods: ["Check": check])
    }

    private func check(_ bytes: UnsafeRawBufferPointer, _ context: GRPCCallContext, _ responder: GRPCResponder) {
        do throws(GRPCStatus) {
            let name = try ProtobufMessages.withUnpacked(bytes, as: "grpc.health.v1.HealthCheckRequest",
                                                         unpack: grpc__health__v1__health_check_request__unpack,
                                                         free: grpc__health__v1__health_check_request__free_unpacked) {
                ProtobufMessages.string($0.pointee.service)
            }
            guard name.isEmpty || serviceNames.contains(name) else {
                throw GRPCStatus(.notFound, "service '\(name.prefix(100))' is not served here")
            }
            handler.handle(Request(id: 0, call: .health(HealthRequest())), deadline: nil) { response in
                guard case .health(let health)? = response.result else {
                    return responder.fail(GRPCStatus(response.status.code, response.status.message))
                }
                var arena = BumpArena()
                let answer = arena.message(Grpc__Health__V1__HealthCheckResponse.self, grpc__health__v1__health_check_response__init)
                answer.pointee.status = health.serving ? GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING
                    : GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__NOT_SERVING
                responder.succeed(ProtobufMessages.packed(answer))
            }
        } catch {
            responder.fail(error)
        }
    }
}
